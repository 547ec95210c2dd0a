"""Fixtures for system tests: real fleetwatch processes against real RabbitMQ and PostgreSQL.

Locally a missing service skips the tests with the reason; under CI=true it fails them.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLEETWATCH_BIN", str(ROOT / ".build/debug/fleetwatch"))
AMQP_URL = os.environ.get("FLEETWATCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
DATABASE_URL = os.environ.get("FLEETWATCH_DATABASE_URL", "postgres://fleetwatch@127.0.0.1:5432/fleetwatch")
CI = os.environ.get("CI") == "true"
MANAGEMENT_PORT = int(os.environ.get("FLEETWATCH_RABBITMQ_MANAGEMENT_PORT", "15672"))


def port_open(port, host="127.0.0.1"):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def require(condition, reason):
    if condition:
        return
    if CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.2):
    """Polls `predicate` until it returns a truthy value; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def management(method, path, missing_ok=False):
    """Calls the RabbitMQ management API (guest/guest from loopback)."""
    import base64
    request = urllib.request.Request(f"http://127.0.0.1:{MANAGEMENT_PORT}{path}", method=method)
    request.add_header("Authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
            return json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        if missing_ok and error.code == 404:
            return None
        raise


def sql(query):
    """Runs `query` with psql and returns rows as lists of strings."""
    out = subprocess.run(
        ["psql", DATABASE_URL, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def scalar(query):
    rows = sql(query)
    return int(rows[0][0]) if rows and rows[0][0] != "" else 0


class Process:
    """One fleetwatch subcommand with its log file and health port."""

    def __init__(self, name, args, env, log_dir):
        self.name = name
        self.args = args
        self.env = env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.health_port = free_port()
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        env = dict(self.env, FLEETWATCH_HEALTH_ADDR=f"127.0.0.1:{self.health_port}")
        self.proc = subprocess.Popen([BIN, *self.args], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.health_port}{path}"

    def ready(self):
        try:
            with urllib.request.urlopen(self.url("/readyz"), timeout=1) as response:
                return response.status == 200
        except Exception:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            return False

    def wait_ready(self, timeout=30):
        wait_for(self.ready, timeout, f"{self.name} /readyz")
        return self

    def metrics(self):
        with urllib.request.urlopen(self.url("/metrics"), timeout=2) as response:
            return response.read().decode()

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.name} did not stop within {timeout}s of SIGTERM:\n{self.tail()}")
        return self.proc.returncode

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_lines(self):
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


class Stack:
    """The distributed pipeline as processes: ingest, normalize, persist, collectors, loadgen."""

    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.token = uuid.uuid4().hex
        self.ingest_port = free_port()
        self.env = dict(
            os.environ,
            FLEETWATCH_AMQP_URL=AMQP_URL,
            FLEETWATCH_DATABASE_URL=DATABASE_URL,
            FLEETWATCH_TOKEN=self.token,
            FLEETWATCH_INGEST_LISTEN=f"127.0.0.1:{self.ingest_port}",
            FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{self.ingest_port}",
        )
        self.processes = []

    def start(self, name, *args):
        process = Process(name, list(args), self.env, self.dir).start()
        self.processes.append(process)
        return process

    def pipeline(self):
        self.ingest = self.start("ingest", "ingest").wait_ready()
        self.normalize = self.start("normalize", "normalize").wait_ready()
        self.persist = self.start("persist", "persist").wait_ready()
        return self

    def gateway(self, name="gateway", *args):
        """`fleetwatch gateway` on a free port: dashboard, REST, WebSocket and health share it (gw.url(path))."""
        process = Process(name, ["gateway", *args], self.env, self.dir)
        process.env = dict(self.env, FLEETWATCH_HTTP_ADDR=f"127.0.0.1:{process.health_port}",
                           FLEETWATCH_WEB_DIR=str(ROOT / "web"))
        self.processes.append(process.start())
        return process

    def config_service(self, admin_token="test-admin-token"):
        """`fleetwatch config-service`: rules, alerts and fleet queries on FLEETWATCH_CONFIG_URL, which the CLI
        and gateways started afterwards use. Rule writes need FLEETWATCH_ADMIN_TOKEN (set for the CLI too)."""
        port = free_port()
        self.env["FLEETWATCH_CONFIG_LISTEN"] = f"127.0.0.1:{port}"
        self.env["FLEETWATCH_CONFIG_URL"] = f"http://127.0.0.1:{port}"
        if admin_token:
            self.env["FLEETWATCH_ADMIN_TOKEN"] = admin_token
        self.admin_token = admin_token
        return self.start("config-service", "config-service")

    def alert_evaluator(self, name="alert", partitions=4, *args):
        """`fleetwatch alert`: an evaluator replica on the fleet.alert partitions."""
        return self.start(name, "alert", "--partitions", str(partitions), *args)

    def collector(self, machine_id, interval=1):
        data = self.dir / f"collector-{machine_id}"
        return self.start(f"collect-{machine_id}", "collect", "--machine-id", machine_id,
                          "--interval", str(interval), "--data-dir", str(data))

    def loadgen(self, machines, interval, duration):
        return subprocess.run(
            [BIN, "loadgen", "--machines", str(machines), "--interval", str(interval),
             "--duration", str(duration), "--json"],
            env=self.env, capture_output=True, text=True, timeout=duration + 120,
        )

    def cli(self, *args, check=True):
        result = subprocess.run([BIN, *args], env=self.env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"fleetwatch {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def stop_all(self):
        for process in reversed(self.processes):
            if process.proc and process.proc.poll() is None:
                process.proc.kill()
                process.proc.wait()


@pytest.fixture(scope="session")
def services():
    require(Path(BIN).exists(), f"{BIN} is not built (swift build)")
    require(port_open(5672), "RabbitMQ is not listening on 127.0.0.1:5672 (scripts/services/rabbitmq start DIR)")
    require(port_open(5432), "PostgreSQL is not listening on 127.0.0.1:5432 (scripts/services/postgres start DIR)")


@pytest.fixture
def stack(services, tmp_path):
    reset_state()
    s = Stack(tmp_path)
    yield s
    s.stop_all()


def reset_state():
    """Empties the pipeline's queues and tables so each test counts only its own data."""
    for queue in ["fleet.normalize", "fleet.persist", "fleet.normalize.dlq", "fleet.persist.dlq", "fleet.notify",
                  "fleet.notify.dlq"] + [f"fleet.alert.p{n}{dlq}" for n in range(4) for dlq in ("", ".dlq")]:
        management("DELETE", f"/api/queues/%2f/{queue}/contents", missing_ok=True)
    tables = [row[0] for row in sql(
        "select tablename from pg_tables where schemaname = current_schema() "
        "and tablename in ('samples','ticks','rollup_dirty','samples_1m','samples_1h','machines','batches_seen',"
        "'process_snapshots','rules','alerts','alert_transitions')")]
    if tables:
        sql("truncate " + ", ".join(tables))
    # Layouts stay (running persisters cache their ids); the rollup watermarks start over with the data.
    if sql("select 1 from pg_tables where schemaname = current_schema() and tablename = 'rollup_state'"):
        sql("update rollup_state set watermark = 'epoch' where tier in ('m', 'h')")


@pytest.fixture
def rabbitmq_node(services):
    """Runs rabbitmqctl against the broker scripts/test started (FLEETWATCH_TEST_RABBITMQ_DIR)."""
    directory = os.environ.get("FLEETWATCH_TEST_RABBITMQ_DIR")
    require(directory, "FLEETWATCH_TEST_RABBITMQ_DIR is not set: this test stops and restarts the broker, "
                       "so it needs one that scripts/test started")

    def control(*args):
        subprocess.run([str(ROOT / "scripts/services/rabbitmq"), "ctl", directory, *args],
                       check=True, capture_output=True, timeout=120)

    yield control
    control("start_app")  # idempotent: leave the broker running whatever the test did
