"""Fixtures for system tests: real fleetwatch processes against real RabbitMQ and PostgreSQL.

Locally a missing service skips the tests with the reason; under CI=true it fails them. The process helpers live
once in scripts/lib/fleetwatch_harness.py (shared with scripts/chaos and scripts/bench-live); the names the tests
import from here are re-exported or bound to this suite's services.
"""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/lib"))
import fleetwatch_harness as harness  # noqa: E402
from fleetwatch_harness import free_port, port_open, wait_for  # noqa: E402,F401  (imported by the tests)

BIN = os.environ.get("FLEETWATCH_BIN", str(ROOT / ".build/debug/fleetwatch"))
AMQP_URL = os.environ.get("FLEETWATCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
DATABASE_URL = os.environ.get("FLEETWATCH_DATABASE_URL", "postgres://fleetwatch@127.0.0.1:5432/fleetwatch")
CI = os.environ.get("CI") == "true"
MANAGEMENT_PORT = int(os.environ.get("FLEETWATCH_RABBITMQ_MANAGEMENT_PORT", "15672"))
_MANAGEMENT = harness.Management(f"http://guest:guest@127.0.0.1:{MANAGEMENT_PORT}")


def require(condition, reason):
    if condition:
        return
    if CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


def management(method, path, missing_ok=False, body=None):
    """Calls the RabbitMQ management API (guest/guest from loopback) at `path`, which starts with /api, sending
    `body` (when given) as JSON."""
    return _MANAGEMENT.call(method, path.removeprefix("/api"), body=body, missing_ok=missing_ok)


def sql(query):
    """Runs `query` with psql on the suite's database and returns rows as lists of strings."""
    return harness.psql(DATABASE_URL, query)


def scalar(query):
    return harness.psql_scalar(DATABASE_URL, query)


class Process(harness.Process):
    """One subcommand of the fleetwatch under test (BIN) with its log file in `log_dir` and its health port; it
    must stop by itself on SIGTERM."""

    def __init__(self, name, args, env, log_dir, http=False):
        super().__init__(name, BIN, args, env, log_dir, http=http)

    @property
    def health_port(self):
        return self.port

    def wait_ready(self, timeout=30):
        return super().wait_ready(timeout)

    def stop(self, timeout=30):
        return super().stop(timeout, must_stop=True)

    def kill(self):
        self.kill9()


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
        process = Process(name, ["gateway", *args], dict(self.env, FLEETWATCH_WEB_DIR=str(ROOT / "web")), self.dir,
                          http=True)
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
        "and tablename in ('samples','ticks','ticks_5s','rollup_dirty','samples_1m','samples_1h','machines','batches_seen',"
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
