"""`fleetwatch hub`: the whole system in one process (edge, normalizer, persister into SQLite, gateway,
fleet queries and a collector for this machine). Needs only the built binary: no RabbitMQ, no PostgreSQL."""
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, ROOT, free_port, require, wait_for

STOP_TIMEOUT = 20


@pytest.fixture(autouse=True)
def binary():
    require(Path(BIN).exists(), f"{BIN} is not built (swift build --product fleetwatch); the hub tests need only the binary")


def clean_env(**extra):
    """The caller's environment without FLEETWATCH_* (a stray FLEETWATCH_TOKEN would replace the hub's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETWATCH_")}
    env["FLEETWATCH_WEB_DIR"] = str(ROOT / "web")
    env.update(extra)
    return env


class Hub:
    """One `fleetwatch hub` on free loopback ports, stdout and stderr in files of its data folder's parent."""

    def __init__(self, tmp_path, data_dir, name="hub", http_port=None):
        self.data_dir = Path(data_dir)
        self.out_path = tmp_path / f"{name}.out"
        self.err_path = tmp_path / f"{name}.err"
        self.http_port = http_port or free_port()
        self.ingest_port = free_port()
        self.config_port = free_port()
        self.proc = None

    def start(self, *extra):
        self.out = open(self.out_path, "ab")
        self.err = open(self.err_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "hub", "--data-dir", str(self.data_dir),
             "--http-addr", f"127.0.0.1:{self.http_port}",
             "--ingest-listen", f"127.0.0.1:{self.ingest_port}",
             "--config-listen", f"127.0.0.1:{self.config_port}", *extra],
            env=clean_env(), stdout=self.out, stderr=self.err)
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def get(self, path):
        """(status, parsed JSON or text) of a GET on the hub's HTTP address."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=5) as response:
                body = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read().decode(), error.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"hub exited with {self.proc.returncode}:\n{self.stderr_tail()}")
        try:
            with urllib.request.urlopen(self.url("/readyz"), timeout=1) as response:
                return response.status == 200
        except Exception:
            return False

    def wait_ready(self, timeout=30):
        wait_for(self.ready, timeout, "hub /readyz")
        return self

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; returns the exit code, fails if the hub is still running after `timeout` seconds."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"hub did not stop within {timeout}s of SIGTERM:\n{self.stderr_tail()}")
        return self.proc.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def learn_tokens(self, timeout=10):
        """Reads the admin and collector tokens from the banner into `admin_token` and `token`, and sets `env`: the
        CLI's environment against this hub with the admin token."""
        banner = wait_for(lambda: "FLEETWATCH_ADMIN_TOKEN=" in self.stdout() and self.stdout(), timeout,
                          "the hub's banner")
        self.admin_token = re.search(r"FLEETWATCH_ADMIN_TOKEN=(\S+)", banner).group(1)
        token = re.search(r"FLEETWATCH_TOKEN=(\S+)", banner)
        self.token = token and token.group(1)
        self.env = clean_env(FLEETWATCH_CONFIG_URL=f"http://127.0.0.1:{self.config_port}",
                             FLEETWATCH_ADMIN_TOKEN=self.admin_token)
        return self

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def stderr_tail(self, lines=40):
        return "\n".join(self.stderr().splitlines()[-lines:])

    def log_lines(self):
        out = []
        for line in self.stderr().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


@pytest.fixture
def hubs():
    started = []
    yield started
    for hub in started:
        hub.kill()


def this_machine(hub):
    """The one machine in GET /api/v1/machines, or None while there is none."""
    status, body = hub.get("/api/v1/machines")
    assert status == 200, body
    machines = body["machines"]
    assert len(machines) <= 1, f"only this machine should report to the hub: {machines}"
    return machines[0] if machines else None


def history(hub, machine_id, **params):
    query = urllib.parse.urlencode({"metric": "cpu.usage_percent", "label": "cpu:total", **params})
    status, body = hub.get(f"/api/v1/machines/{machine_id}/history?{query}")
    assert status == 200, body
    return body["points"]


def read_only(database):
    return contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True))


def mem_total_bytes():
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def test_hub_monitors_this_machine_persists_to_sqlite_and_restarts_from_it(tmp_path, hubs):
    data = tmp_path / "data"
    hub = Hub(tmp_path, data)
    hubs.append(hub)
    hub.start("--interval", "1").wait_ready()

    # The welcome block: where the dashboard is and how another machine joins, with the token it keeps.
    welcome = wait_for(lambda: "join" in hub.stdout() and hub.stdout(), 10, "the welcome block on stdout")
    token = (data / "token").read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{16,}", token), token
    assert f"http://127.0.0.1:{hub.http_port}/" in welcome
    join = next(line for line in welcome.splitlines() if "join" in line)
    assert f"FLEETWATCH_TOKEN={token}" in join
    assert f"FLEETWATCH_INGEST_URL=http://127.0.0.1:{hub.ingest_port}" in join
    install = next(line for line in welcome.splitlines() if "install.sh" in line)
    assert f"deploy/agent/install.sh --edge http://127.0.0.1:{hub.ingest_port} --token {token}" in install
    assert str(data) in welcome
    assert f"FLEETWATCH_CONFIG_URL=http://127.0.0.1:{hub.config_port}" in welcome

    # This machine appears with sane values from its second tick on (CPU needs two readings).
    def summarized():
        machine = this_machine(hub)
        if machine and machine["summary"]["cpu_percent"] is not None and machine["summary"]["mem_percent"] is not None:
            return machine
        return None

    machine = wait_for(summarized, 15, "this machine with CPU and memory in GET /api/v1/machines")
    machine_id = machine["machine_id"]
    assert machine["status"] == "online"
    assert 0 <= machine["summary"]["cpu_percent"] <= 100
    assert 0 <= machine["summary"]["mem_percent"] <= 100
    assert machine["cores"] == os.cpu_count()

    def detail():
        status, body = hub.get(f"/api/v1/machines/{machine_id}")
        assert status == 200, body
        return body if body["processes"] else None

    body = wait_for(detail, 15, "a process snapshot of this machine")
    latest = {(s["metric"], tuple(sorted(s["labels"].items()))): s["value"] for s in body["latest"]}
    assert latest[("mem.total_bytes", ())] == mem_total_bytes()
    assert body["processes"]["by_cpu"] and body["processes"]["by_memory"]
    assert wait_for(lambda: history(hub, machine_id, range="5m"), 15, "history of cpu.usage_percent{cpu=total}")

    # The gRPC fleet queries answer the CLI line of the welcome block.
    cli = subprocess.run([BIN, "machines"], env=clean_env(FLEETWATCH_CONFIG_URL=f"http://127.0.0.1:{hub.config_port}"),
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert machine_id in cli.stdout or machine["hostname"] in cli.stdout, cli.stdout

    time.sleep(2)  # a few more ticks
    # A fixed window, so that both runs bucket the same samples the same way.
    now_ms = int(time.time() * 1000)
    window = {"from": now_ms - 5 * 60_000, "to": now_ms}
    before = history(hub, machine_id, **window)
    assert before
    assert hub.stop() == 0, hub.stderr_tail()
    assert "Fatal error" not in hub.stderr()

    # Every batch the collector sent was persisted exactly once, in an unbroken sequence.
    stopped = [line for line in hub.log_lines() if line.get("msg") == "collector stopped"]
    assert stopped, f"no 'collector stopped' line:\n{hub.stderr_tail()}"
    database = data / "fleetwatch.sqlite"
    with read_only(database) as db:
        count, low, high = db.execute(
            "select count(*), min(sequence), max(sequence) from batches_seen where machine_id = ?", (machine_id,)).fetchone()
        samples = db.execute("select coalesce(sum(length(vals)) / 8, 0) from ticks where machine_id = ?", (machine_id,)).fetchone()[0]
    assert count > 0 and low == 1 and count == high - low + 1, (count, low, high)
    assert int(stopped[-1]["pending"]) == 0, stopped[-1]
    assert int(stopped[-1]["acked"]) == count, (stopped[-1], count)
    assert samples > 0

    # Restarted on the same folder without collecting: the machine is known at once, its history kept.
    again = Hub(tmp_path, data, name="hub-again")
    hubs.append(again)
    again.start("--no-collect").wait_ready()
    seeded = this_machine(again)
    assert seeded is not None and seeded["machine_id"] == machine_id, seeded
    assert seeded["status"] in ("online", "stale", "offline")
    after = history(again, machine_id, **window)
    assert len(after) >= len(before), (before, after)
    assert sum(p["count"] for p in after) >= sum(p["count"] for p in before), (before, after)
    assert (data / "token").read_text().strip() == token
    assert token in again.stdout()
    assert again.stop() == 0, again.stderr_tail()


def test_hub_refuses_bad_settings_naming_them(tmp_path):
    def run(*args):
        result = subprocess.run([BIN, "hub", *args], env=clean_env(), capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout + result.stderr

    code, out = run("--data-dir", str(tmp_path / "a"), "--http-addr", "nonsense", "--no-collect")
    assert code != 0 and "FLEETWATCH_HTTP_ADDR" in out and "nonsense" in out, out
    assert "Fatal error" not in out

    code, out = run("--data-dir", "/proc/fleetwatch", "--no-collect")
    assert code != 0 and "FLEETWATCH_DATA_DIR" in out and "/proc/fleetwatch" in out, out
    assert "Fatal error" not in out


def crash_summary(err):
    """The fatal error line and the first frames of the crashed thread, not the whole backtrace."""
    lines = err.splitlines()
    fatal = [line for line in lines if "Fatal error" in line]
    start = next((i for i, line in enumerate(lines) if re.match(r"Thread \d+ .*crashed:", line)), None)
    frames = lines[start:start + 14] if start is not None else []
    return "\n".join(fatal + frames)


def test_second_hub_on_the_same_http_port_exits_cleanly(tmp_path, hubs):
    first = Hub(tmp_path, tmp_path / "first", name="first")
    hubs.append(first)
    first.start("--no-collect").wait_ready()
    # The second one collects, as a user's second `fleetwatch hub` would: its collector connects to its own
    # edge while the hub shuts down because the HTTP port is taken. Three attempts, since that is a race.
    for attempt in range(3):
        second = Hub(tmp_path, tmp_path / f"second-{attempt}", name=f"second-{attempt}", http_port=first.http_port)
        hubs.append(second)
        second.start("--interval", "1")
        try:
            code = second.proc.wait(STOP_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the second hub is still running on a taken port:\n{second.stderr_tail()}")
        err = second.stderr()
        if "Fatal error" in err or "Program crashed" in err:
            pytest.fail(f"attempt {attempt}: the second hub crashed (exit {code}) instead of exiting cleanly:\n"
                        + crash_summary(err), pytrace=False)
        assert code != 0, err[-2000:]
        assert "in use" in err.lower(), err[-2000:]
    assert first.ready()
    assert first.stop() == 0, first.stderr_tail()


def standard_stubs(tmp_path):
    """Python stubs of the standard health and reflection protos (copied flat: a `grpc/` folder would shadow
    the grpc package)."""
    try:
        import grpc  # noqa: F401
        from grpc_tools import protoc
    except ImportError:
        require(False, "grpcio and grpcio-tools are not installed (scripts/install-deps)")
    flat = tmp_path / "protos"
    flat.mkdir()
    for source in ["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto"]:
        (flat / Path(source).name).write_text((ROOT / "proto" / source).read_text())
    out = tmp_path / "stubs"
    out.mkdir()
    assert protoc.main(["protoc", f"-I{flat}", f"--python_out={out}", f"--grpc_python_out={out}",
                        str(flat / "health.proto"), str(flat / "reflection.proto")]) == 0
    import sys
    sys.path.insert(0, str(out))
    import health_pb2, health_pb2_grpc, reflection_pb2, reflection_pb2_grpc
    return health_pb2, health_pb2_grpc, reflection_pb2, reflection_pb2_grpc


def test_generic_grpc_tools_find_health_and_reflection(tmp_path, hubs):
    health_pb2, health_grpc, reflection_pb2, reflection_grpc = standard_stubs(tmp_path)
    import grpc
    hub = Hub(tmp_path, tmp_path / "data")
    hubs.append(hub)
    hub.start("--no-collect").wait_ready()
    channel = grpc.insecure_channel(f"127.0.0.1:{hub.config_port}")
    health = health_grpc.HealthStub(channel)
    serving = health_pb2.HealthCheckResponse.SERVING
    assert health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status == serving
    assert health.Check(health_pb2.HealthCheckRequest(service="fleetwatch.v1.Rules"), timeout=5).status == serving
    with pytest.raises(grpc.RpcError) as unknown:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

    reflection = reflection_grpc.ServerReflectionStub(channel)
    requests = [reflection_pb2.ServerReflectionRequest(list_services="*"),
                reflection_pb2.ServerReflectionRequest(file_containing_symbol="monitoring.MetricsService"),
                reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.Such")]
    answers = list(reflection.ServerReflectionInfo(iter(requests), timeout=10))
    assert {"fleetwatch.v1.Rules", "fleetwatch.v1.Alerts", "fleetwatch.v1.FleetQuery", "monitoring.MetricsService",
            "grpc.health.v1.Health"} <= {s.name for s in answers[0].list_services_response.service}
    assert len(answers[1].file_descriptor_response.file_descriptor_proto) >= 1
    assert answers[2].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    channel.close()
    assert hub.stop() == 0
