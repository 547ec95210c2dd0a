"""The `fleetwatch` CLI as a person types it (issue 13, point 6): --version, deadlines on every call, durations with
units, precise errors in one `error:` format, `--output json` everywhere in the REST API's shapes, the install step
that puts it on PATH, and documented completion. Needs only the binary: servers are a `fleetwatch hub` or a plain
TCP listener that never answers.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, ROOT, free_port, require, wait_for
from test_hub import Hub, clean_env

AGENT_BIN = str(Path(BIN).parent / "fleetwatch-agent")
VERSION = re.search(r'static let current = "([^"]+)"',
                    (ROOT / "Sources/FleetSettings/FleetwatchVersion.swift").read_text()).group(1)


@pytest.fixture(scope="module", autouse=True)
def binary():
    require(Path(BIN).exists(), f"{BIN} is not built (swift build --product fleetwatch)")


def cli(*args, env=None, timeout=60):
    started = time.monotonic()
    result = subprocess.run([BIN, *args], env=env or clean_env(), capture_output=True, text=True, timeout=timeout)
    result.seconds = time.monotonic() - started
    return result


def assert_error(result, *fragments, code=None):
    """A failure in the one format: non-zero exit, and stderr opening with a lowercase `error:` line that holds
    every fragment; never ArgumentParser's `Error:`."""
    assert result.returncode != 0, (result.returncode, result.stdout, result.stderr)
    if code is not None:
        assert result.returncode == code, (result.returncode, result.stderr)
    first = result.stderr.splitlines()[0] if result.stderr else ""
    assert first.startswith("error: "), result.stderr
    assert "Error:" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in first, (fragment, result.stderr)


@pytest.fixture
def silent_server():
    """A TCP listener that accepts connections and never says a word: a hung server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-hub")
    hub = Hub(tmp, tmp / "data")
    hub.start("--interval", "1").wait_ready().learn_tokens()
    yield hub
    hub.kill()


def test_version_on_every_binary_is_the_one_version_string():
    for args in (["--version"], ["machines", "--version"]):
        result = cli(*args)
        assert result.returncode == 0 and result.stdout.strip() == VERSION, (args, result.stdout, result.stderr)
    if not Path(AGENT_BIN).exists():
        pytest.skip(f"{AGENT_BIN} is not built (swift build --product fleetwatch-agent)")
    agent = subprocess.run([AGENT_BIN, "--version"], capture_output=True, text=True, timeout=30)
    assert agent.returncode == 0 and agent.stdout.strip() == VERSION, (agent.stdout, agent.stderr)


@pytest.mark.parametrize("command", [
    ["machines"], ["rules", "list"], ["alerts", "list"], ["rules", "get", "x"], ["alerts", "get", "x"],
    ["tail"], ["rules", "watch"],
])
def test_every_call_to_a_silent_server_fails_within_its_deadline_naming_the_address(silent_server, command):
    address = f"127.0.0.1:{silent_server}"
    result = cli(*command, "--config-url", f"http://{address}", timeout=30)
    assert_error(result, f"no Fleetwatch config service answered at {address} within 5s", ":7071", code=69)
    assert 4.5 <= result.seconds < 9, f"{command} took {result.seconds:.1f} s against a silent server"


def test_timeout_sets_the_deadline_and_needs_a_unit(silent_server):
    address = f"127.0.0.1:{silent_server}"
    result = cli("machines", "--config-url", f"http://{address}", "--timeout", "1s", timeout=30)
    assert_error(result, f"at {address} within 1s", code=69)
    assert result.seconds < 4, result.seconds
    assert_error(cli("machines", "--timeout", "5"), "--timeout needs a unit, e.g. 5s, 5m, 1h", code=64)
    assert_error(cli("machines", "--timeout", "0s"), "--timeout must be more than 0", code=64)


def test_the_gateways_http_port_is_a_clear_error_within_seconds(hub):
    """The easy mistake of the issue: the dashboard's port given as the config service's."""
    address = f"127.0.0.1:{hub.http_port}"
    result = cli("machines", "--config-url", f"http://{address}", env=hub.env, timeout=30)
    assert_error(result, address, "is that the gateway's HTTP port?", code=69)
    assert result.seconds < 9, result.seconds


def test_nothing_listening_names_the_address_and_what_to_start():
    port = free_port()
    result = cli("machines", "--config-url", f"http://127.0.0.1:{port}", timeout=30)
    assert_error(result, f"127.0.0.1:{port}", code=69)
    assert result.seconds < 9, result.seconds


@pytest.mark.parametrize("flag, args", [
    ("--for", ["rules", "create", "--name", "x", "--metric", "load.1m", "--op", ">", "--threshold", "1"]),
    ("--no-data", ["rules", "create", "--name", "x"]),
    ("--since", ["alerts", "list"]),
])
def test_durations_need_a_unit(flag, args):
    result = cli(*args, flag, "15")
    assert_error(result, f"{flag} needs a unit, e.g. 15s, 5m, 1h", code=64)
    assert_error(cli(*args, flag, "soon"), f"{flag} must be a duration with a unit", code=64)


def test_a_wrong_comparator_lists_the_valid_ones():
    result = cli("rules", "create", "--name", "x", "--metric", "load.1m", "--op", "=>", "--threshold", "1")
    assert_error(result, "--op '=>' is not a comparator", ">, >=, < or <=", code=64)
    assert "Usage: fleetwatch <subcommand>" not in result.stderr, "the root usage line says nothing about --op"
    assert "fleetwatch rules create" in result.stderr, result.stderr


@pytest.mark.parametrize("args", [
    ["machines", "--output", "yaml"],
    ["machines", "--bogus"],
    ["no-such-command"],
    ["machines", "--config-url", "ftp://x"],
    ["rules", "create", "--name", "x", "--severity", "loud"],
    ["rules", "delete", "some-id"],        # no admin token
    ["ingest", "--listen", "nonsense"],
])
def test_errors_have_one_format(args):
    result = cli(*args, env=clean_env(FLEETWATCH_CONFIG_URL=f"http://127.0.0.1:{free_port()}"), timeout=30)
    assert_error(result)


def test_output_json_everywhere():
    for command in (["machines", "list"], ["machines", "retire"], ["tail"], ["rules", "list"], ["rules", "get"], ["rules", "create"],
                    ["rules", "update"], ["rules", "watch"], ["alerts", "list"], ["alerts", "get"], ["loadgen"],
                    ["probe"]):
        help_text = cli(*command, "--help").stdout
        assert re.search(r"--output <output>", help_text), (command, help_text)
    loadgen_help = cli("loadgen", "--help").stdout
    assert "--json" not in loadgen_help, "loadgen's --json is a hidden, deprecated alias"


def test_loadgen_reports_json_with_output_json_and_its_old_json_flag(hub):
    token = (hub.data_dir / "token").read_text().strip()
    env = clean_env(FLEETWATCH_TOKEN=token, FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{hub.ingest_port}")
    for flag in (["--output", "json"], ["--json"]):
        result = cli("loadgen", "--machines", "2", "--duration", "2", *flag, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["batches_sent"] > 0 and report["batches_acked"] == report["batches_sent"], report


def rest(hub, path):
    status, body = hub.get(path)
    assert status == 200, (path, status, body)
    return body


def test_the_clis_json_is_the_rest_apis(hub):
    def as_json(*args):
        result = cli(*args, "--output", "json", env=hub.env)
        assert result.returncode == 0, (args, result.stderr)
        return json.loads(result.stdout)

    rule = as_json("rules", "create", "--name", "always", "--metric", "cpu.usage_percent", "--op", ">=",
                   "--threshold", "0", "--for", "0s", "--match", "cpu=total", "--severity", "critical")
    assert rule["comparator"] == ">=" and rule["severity"] == "critical", rule
    assert rule == rest(hub, f"/api/v1/rules/{rule['id']}")
    assert as_json("rules", "list") == rest(hub, "/api/v1/rules")

    # Machines: the REST machine object's fields (those gRPC carries: not the alert counts), same spellings.
    def listed():
        machines = as_json("machines")["machines"]
        return machines if machines and machines[0]["summary"]["cpu_percent"] is not None else None

    cli_machine = wait_for(listed, 20, "this machine in `fleetwatch machines --output json`")[0]
    rest_machine = next(m for m in rest(hub, "/api/v1/machines")["machines"]
                        if m["machine_id"] == cli_machine["machine_id"])
    assert set(cli_machine) <= set(rest_machine) - {"alerts"}, (cli_machine, rest_machine)
    assert {"machine_id", "hostname", "status", "last_seen_ms", "summary", "labels"} <= set(cli_machine)
    assert cli_machine["status"] == "online" == rest_machine["status"]
    for key in ("machine_id", "hostname", "os", "kernel", "cores", "agent_version", "labels"):
        assert cli_machine[key] == rest_machine[key], key
    assert set(cli_machine["summary"]) == set(rest_machine["summary"])

    # Alerts: the rule above fires at once; the CLI's list and detail are REST's, enum spellings included.
    def firing():
        alerts = as_json("alerts", "list", "--status", "firing", "--rule", rule["id"])["alerts"]
        return alerts or None

    alerts = wait_for(firing, 20, "the alert firing in `fleetwatch alerts list`")
    assert alerts[0]["status"] == "firing" and alerts[0]["severity"] == "critical", alerts
    rest_alerts = [a for a in rest(hub, "/api/v1/alerts?status=firing")["alerts"] if a["rule_id"] == rule["id"]]
    assert alerts == rest_alerts
    detail = as_json("alerts", "get", alerts[0]["id"])
    status, rest_detail = hub.get("/api/v1/alerts/detail?id=" + alerts[0]["id"])
    assert status == 200 and detail == rest_detail, (detail, rest_detail)
    assert [(s["from"], s["to"]) for s in detail["history"]][-1] == ("pending", "firing"), detail

    result = cli("rules", "delete", rule["id"], "--rule-version", str(rule["version"]), env=hub.env)
    assert result.returncode == 0, result.stderr


def test_install_links_the_binary_onto_path_and_installs_completion(tmp_path):
    home = tmp_path / "home"
    configuration = Path(BIN).parent.name     # debug or release
    env = dict(clean_env(), HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), PATH="/usr/bin:/bin")
    result = subprocess.run([str(ROOT / "scripts/install"), "--no-build", f"--{configuration}"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    link = home / ".local/bin/fleetwatch"
    assert link.is_symlink() and link.resolve() == Path(BIN).resolve(), result.stdout
    assert f"installed: {link}" in result.stdout
    assert f"{home}/.local/bin is not on your PATH" in result.stdout, result.stdout
    linked = subprocess.run([str(link), "--version"], capture_output=True, text=True, timeout=30)
    assert linked.stdout.strip() == VERSION
    completion = home / ".local/share/bash-completion/completions/fleetwatch"
    assert "_fleetwatch" in completion.read_text()


def test_the_hub_banner_says_how_to_put_fleetwatch_on_path(hub):
    if shutil.which("fleetwatch"):
        pytest.skip("fleetwatch is on this PATH, so the hub rightly says nothing")
    banner = hub.stdout()
    assert "fleetwatch machines" in banner
    assert "scripts/install" in banner, banner


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_exist_and_are_documented(shell):
    result = cli("--generate-completion-script", shell)
    assert result.returncode == 0 and "fleetwatch" in result.stdout
    assert f"--generate-completion-script {shell}" in (ROOT / "docs/cli.md").read_text()
