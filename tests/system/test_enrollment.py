"""Per-machine identity against `fleetwatch hub` (no broker, no PostgreSQL): a collector with a join token enrolls
and keeps its credential 0600; with credentials required the shared token is refused, and so is a credential
publishing as another machine; a credential revoked by the CLI or by REST (`DELETE /api/v1/credentials/<machine>`,
admin token only) is refused within the documented bound (5 s cache); the audit trail lists the enrollment, the refusals and the revocation (docs/operations.md "Machine identity"). An agent
installed by deploy/agent/install.sh with only a join token enrolls from the settings it wrote."""
import json
import os
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ROOT, free_port, require, wait_for

JOIN = "join-" + "7" * 24
ADMIN = "admin-token-enrollment"
SHARED = "shared-collector-token"
# The edge caches credential lookups for 5 s; a collector sends every second; the rest is slack for a loaded CI.
REVOCATION_BOUND = 5 + 1 + 4


def env(**extra):
    """The caller's environment without FLEETWATCH_* (a stray token would change what is tested)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FLEETWATCH_")}
    clean.update(extra)
    return clean


class Setup:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.http, self.ingest, self.config = free_port(), free_port(), free_port()
        self.processes = []

    def spawn(self, name, args, environment):
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen([BIN, *args], env=environment, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(proc)
        return proc

    def hub(self):
        return self.spawn(
            "hub",
            ["hub", "--no-collect", "--data-dir", str(self.tmp / "hub"), "--http-addr", f"127.0.0.1:{self.http}",
             "--ingest-listen", f"127.0.0.1:{self.ingest}", "--config-listen", f"127.0.0.1:{self.config}"],
            env(FLEETWATCH_WEB_DIR=str(ROOT / "web"), FLEETWATCH_TOKEN=SHARED, FLEETWATCH_ADMIN_TOKEN=ADMIN,
                FLEETWATCH_JOIN_TOKEN=JOIN, FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS="1"))

    def collector(self, machine, data_dir, **tokens):
        return self.spawn(
            f"collect-{machine}-{len(self.processes)}",
            ["collect", "--machine-id", machine, "--interval", "1", "--data-dir", str(data_dir),
             "--ingest-url", f"http://127.0.0.1:{self.ingest}", "--health-addr", "127.0.0.1:0", "--top-processes", "0"],
            env(**tokens))

    def get(self, path, token=None):
        return self.call("GET", path, token)

    def delete(self, path, token=None):
        return self.call("DELETE", path, token)

    def call(self, method, path, token=None):
        """(status, body) of a request to the hub's HTTP port: JSON decoded, (None, None) while it does not listen."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if "json" in response.headers.get("Content-Type", "") else text)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except (urllib.error.URLError, ConnectionError):
            return None, None

    def last_seen(self, machine):
        status, body = self.get("/api/v1/machines")
        if status != 200:
            return None
        return next((m["last_seen_ms"] for m in body["machines"] if m["machine_id"] == machine), None)

    def events(self):
        status, body = self.get("/api/v1/credentials/events", token=ADMIN)
        assert status == 200, body
        return body["events"]

    def cli(self, *args):
        return subprocess.run(
            [BIN, *args], capture_output=True, text=True, timeout=60,
            env=env(FLEETWATCH_CONFIG_URL=f"http://127.0.0.1:{self.config}", FLEETWATCH_ADMIN_TOKEN=ADMIN))

    def stop(self):
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def setup(tmp_path):
    require(Path(BIN).exists(), f"{BIN} is not built")
    started = Setup(tmp_path)
    yield started
    started.stop()


def refused(events, machine, reason):
    return next((e for e in events if e["kind"] == "refused" and e["machine_id"] == machine and reason in e["detail"]), None)


def test_enrollment_required_credentials_revocation_and_audit(setup, tmp_path):
    setup.hub()
    wait_for(lambda: setup.get("/readyz")[0] == 200, 30, "hub /readyz")
    # The banner's join command uses the join token, not the shared one (which this hub refuses for publishing).
    banner = wait_for(lambda: (text := (tmp_path / "hub.log").read_text(errors="replace")) and "join " in text and text,
                      10, "the hub's banner")
    join = next(line for line in banner.splitlines() if line.strip().startswith("join "))
    assert f"FLEETWATCH_JOIN_TOKEN={JOIN}" in join and SHARED not in join, join
    install = next(line for line in banner.splitlines() if "install.sh" in line)
    assert f"install.sh --edge http://127.0.0.1:{setup.ingest} --join-token {JOIN}" in install, install
    assert SHARED not in banner, banner

    # A new machine enrolls with the join token; the credential is its own file, 0600, and its batches arrive.
    web1 = tmp_path / "web-1"
    collector = setup.collector("web-1", web1, FLEETWATCH_JOIN_TOKEN=JOIN)
    credential_file = web1 / "collector/credential"
    wait_for(credential_file.exists, 30, "the enrolled credential file")
    assert stat.S_IMODE(credential_file.stat().st_mode) == 0o600
    credential = credential_file.read_text().strip()
    assert credential.startswith("fwm_") and JOIN not in credential
    first = wait_for(lambda: setup.last_seen("web-1"), 30, "web-1 in GET /api/v1/machines")
    wait_for(lambda: (setup.last_seen("web-1") or 0) > first, 15, "web-1's batches to keep arriving")

    # Restarted, the collector reuses its credential: no second enrollment (the join token is not even given).
    collector.send_signal(signal.SIGTERM)
    collector.wait(20)
    setup.collector("web-1", web1)
    seen = setup.last_seen("web-1")
    wait_for(lambda: (setup.last_seen("web-1") or 0) > seen, 20, "web-1 to publish again with its stored credential")
    assert credential_file.read_text().strip() == credential

    # The shared token may not publish: nothing of that machine arrives, and the refusal is on the audit trail.
    setup.collector("shared-1", tmp_path / "shared-1", FLEETWATCH_TOKEN=SHARED)
    # A credential publishing as another machine is refused, naming both.
    thief = tmp_path / "thief"
    (thief / "collector").mkdir(parents=True)
    (thief / "collector/credential").write_text(credential + "\n")
    setup.collector("db-9", thief)
    events = wait_for(
        lambda: (lambda e: e if refused(e, "", "shared collector token") and refused(e, "web-1", "'db-9'") else None)(
            setup.events()),
        30, "refusals of the shared token and of web-1's credential publishing as db-9")
    assert setup.last_seen("shared-1") is None and setup.last_seen("db-9") is None
    assert refused(events, "web-1", "'db-9'")["count"] >= 1

    listed = setup.cli("credentials", "list", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    credentials = json.loads(listed.stdout)["credentials"]
    assert [(c["machine_id"], c["state"]) for c in credentials] == [("web-1", "active")]
    assert credential not in listed.stdout and credentials[0]["last_used_at_ms"]

    # Revoked: the running collector's next batches are refused within the bound; REST lists it revoked.
    revoked_at = time.monotonic()
    result = setup.cli("credentials", "revoke", "web-1", "--revoked-by", "pytest")
    assert result.returncode == 0, result.stderr
    wait_for(lambda: refused(setup.events(), "web-1", "revoked credential"), REVOCATION_BOUND,
             "web-1's revoked credential to be refused")
    took = time.monotonic() - revoked_at
    stopped = setup.last_seen("web-1")
    time.sleep(2.5)  # a collector that still published would move last_seen within 1 s
    assert setup.last_seen("web-1") == stopped
    status, body = setup.get("/api/v1/credentials", token=ADMIN)
    assert status == 200 and body["credentials"][0]["state"] == "revoked", body
    assert setup.get("/api/v1/credentials")[0] in (401, 403)
    again = setup.cli("credentials", "revoke", "web-1")
    assert again.returncode == 2, (again.returncode, again.stderr)

    kinds = [(e["kind"], e["machine_id"]) for e in setup.events()]
    assert ("enrolled", "web-1") in kinds and ("revoked", "web-1") in kinds
    revoked = next(e for e in setup.events() if e["kind"] == "revoked")
    assert revoked["detail"] == "by pytest"
    print(f"revocation took effect after {took:.1f} s (bound {REVOCATION_BOUND} s)")


def test_rest_revoke_needs_the_admin_token_and_stops_the_machine(setup, tmp_path):
    """`DELETE /api/v1/credentials/<machine>` (docs/api.md "Machine credentials"): refused without the admin token
    (the credential stays active and the machine keeps publishing); with it, the credential is revoked, the edge
    refuses it within the bound, and the audit trail says who."""
    setup.hub()
    wait_for(lambda: setup.get("/readyz")[0] == 200, 30, "hub /readyz")
    machine = "rest-revoke-1"
    setup.collector(machine, tmp_path / machine, FLEETWATCH_JOIN_TOKEN=JOIN)
    first = wait_for(lambda: setup.last_seen(machine), 30, f"{machine} in GET /api/v1/machines")

    assert setup.delete(f"/api/v1/credentials/{machine}")[0] == 401
    assert setup.delete(f"/api/v1/credentials/{machine}", token="not-the-admin-token")[0] == 401
    status, body = setup.get("/api/v1/credentials", token=ADMIN)
    assert status == 200 and [(c["machine_id"], c["state"]) for c in body["credentials"]] == [(machine, "active")], body
    wait_for(lambda: (setup.last_seen(machine) or 0) > first, 15, f"{machine} still publishing after refused revokes")

    status, body = setup.delete(f"/api/v1/credentials/{machine}", token=ADMIN)
    assert status == 200, body
    assert body["machine_id"] == machine and body["state"] == "revoked" and body["revoked_at_ms"], body
    wait_for(lambda: refused(setup.events(), machine, "revoked credential"), REVOCATION_BOUND,
             f"{machine}'s revoked credential to be refused")
    stopped = setup.last_seen(machine)
    time.sleep(2.5)  # a collector that still published would move last_seen within 1 s
    assert setup.last_seen(machine) == stopped
    assert setup.delete(f"/api/v1/credentials/{machine}", token=ADMIN)[0] == 404
    revoked = [e for e in setup.events() if e["kind"] == "revoked" and e["machine_id"] == machine]
    assert [e["detail"] for e in revoked] == ["by REST API"], revoked


def test_a_hub_requiring_credentials_without_a_join_token_offers_no_shared_token_to_join_with(setup, tmp_path):
    setup.spawn(
        "hub-closed",
        ["hub", "--no-collect", "--require-machine-credentials", "--data-dir", str(tmp_path / "closed"), "--http-addr",
         f"127.0.0.1:{setup.http}", "--ingest-listen", f"127.0.0.1:{setup.ingest}", "--config-listen",
         f"127.0.0.1:{setup.config}"],
        env(FLEETWATCH_WEB_DIR=str(ROOT / "web"), FLEETWATCH_TOKEN=SHARED))
    banner = wait_for(lambda: (text := (tmp_path / "hub-closed.log").read_text(errors="replace")) and "join " in text
                      and text, 30, "the hub's banner")
    join = next(line for line in banner.splitlines() if line.strip().startswith("join "))
    assert "enrollment is off: start with FLEETWATCH_JOIN_TOKEN" in join, join
    assert SHARED not in banner and "install.sh" not in banner, banner


def test_an_agent_installed_with_only_a_join_token_enrolls(setup, tmp_path):
    """install.sh --join-token, then the agent started as the unit starts it: agent.env read as systemd reads an
    EnvironmentFile (overriding the unit's Environment=), the token credential being the unit's placeholder."""
    agent = Path(BIN).parent / "fleetwatch-agent"
    require(agent.exists(), f"{agent} is not built (swift build --product fleetwatch-agent)")
    setup.hub()
    wait_for(lambda: setup.get("/readyz")[0] == 200, 30, "hub /readyz")
    prefix = tmp_path / "root"
    installed = subprocess.run(
        ["sh", str(ROOT / "deploy/agent/install.sh"), "--edge", f"http://127.0.0.1:{setup.ingest}", "--join-token", JOIN,
         "--binary", str(agent), "--prefix", str(prefix), "--no-start"], capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    credentials = tmp_path / "credentials"  # what systemd makes of LoadCredential=/SetCredential= without agent.token
    credentials.mkdir()
    (credentials / "token").write_text("none")
    state = tmp_path / "state"
    environment = env(FLEETWATCH_TOKEN_FILE=str(credentials / "token"), FLEETWATCH_DATA_DIR=str(state),
                      FLEETWATCH_MACHINE_ID="installed-1", FLEETWATCH_INTERVAL="1", FLEETWATCH_TOP_PROCESSES="0")
    for line in (prefix / "etc/fleetwatch/agent.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            environment[key] = value
    log = open(tmp_path / "installed-agent.log", "ab")
    setup.processes.append(subprocess.Popen([str(agent)], env=environment, stdout=log, stderr=subprocess.STDOUT))
    credential = state / "collector/credential"
    wait_for(credential.exists, 30, "the installed agent's credential file")
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    wait_for(lambda: setup.last_seen("installed-1"), 30, "installed-1 in GET /api/v1/machines")


def test_a_distributed_edge_checks_credentials_in_postgresql(stack, tmp_path):
    """`fleetwatch ingest` reads the credentials from PostgreSQL (the config service created the tables): a
    collector enrolls there, and a revocation through the config service stops it within the bound."""
    from conftest import scalar, sql
    machine = "enroll-" + uuid.uuid4().hex[:10]
    stack.config_service(admin_token=ADMIN).wait_ready()
    stack.env.update(FLEETWATCH_JOIN_TOKEN=JOIN, FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS="1")
    stack.start("ingest", "ingest").wait_ready()
    try:
        stack.collector(machine)
        credential_file = tmp_path / f"collector-{machine}/collector/credential"
        wait_for(credential_file.exists, 30, "the enrolled credential file")
        assert stat.S_IMODE(credential_file.stat().st_mode) == 0o600
        wait_for(lambda: scalar(f"select count(*) from machine_credentials where machine_id = '{machine}' "
                                "and last_used_at_ms is not null") == 1, 30, "the edge to use the credential")
        listed = json.loads(stack.cli("credentials", "list", "--output", "json").stdout)["credentials"]
        assert any(c["machine_id"] == machine and c["state"] == "active" for c in listed)

        stack.cli("credentials", "revoke", machine)
        wait_for(lambda: scalar(f"select count(*) from credential_events where machine_id = '{machine}' "
                                "and kind = 'refused' and detail = 'revoked credential'") >= 1,
                 REVOCATION_BOUND, "the edge to refuse the revoked credential")
        assert scalar(f"select count(*) from credential_events where machine_id = '{machine}' "
                      "and kind in ('enrolled', 'revoked')") == 2
    finally:
        sql(f"delete from credential_events where machine_id = '{machine}'")
        sql(f"delete from machine_credentials where machine_id = '{machine}'")
