"""deploy/local with two replicas of normalize, persist, alert and gateway (issue 7), checked from the outside:
the RabbitMQ management API shows two consumers on each competing queue, the alert partitions held by both
evaluator replicas (single-active-consumer: both registered on every partition, one active) with the active ones
spread over both, a fanout queue per gateway, and the collector deploy/local starts shows up at both gateways.
deploy/local/down runs whatever happens and must leave no process behind.

`deploy/local/up --rabbitmq-cluster` gets a smoke test of its own (one replica each, no collector): its processes turn
ready on a private 3-node RabbitMQ cluster (scripts/services/rabbitmq-cluster), whose management API shows three
running nodes and three members in each quorum queue, and deploy/local/down stops the processes and the nodes.

A consumer's process is found from its connection: the management API gives the client port of the consumer's
channel, `ss -tnp` the process holding that port (every connection is named after its queue, not its process).

The stack shares the broker with other tests: the queues it checks must have no other consumers, so it first waits
for those of earlier tests to go away."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import AMQP_URL, BIN, DATABASE_URL, ROOT, management, require, reset_state, scalar, wait_for

REPLICAS = 2
PARTITIONS = 4  # fleetwatch alert's default, which deploy/local keeps
PORT_OFFSET = int(os.environ.get("FLEETWATCH_TEST_DEPLOY_PORT_OFFSET", "300"))
GATEWAY_PORTS = [8079 + PORT_OFFSET + i for i in range(1, REPLICAS + 1)]
PROCESSES = sorted(["ingest", "config-service", "collect"] + [
    f"{role}-{i}" for role in ("normalize", "persist", "alert", "gateway") for i in range(1, REPLICAS + 1)])
COMPETING = ["fleet.normalize", "fleet.persist"]
ALERT_PARTITIONS = [f"fleet.alert.p{n}" for n in range(PARTITIONS)]
# The management API refreshes consumer details every few seconds (collect_statistics_interval, 5 s by default).
SETTLE = 30


def script(name, state, timeout=120, up=None):
    """deploy/local/NAME for the stack in `state`; `up` replaces the arguments of `up` (two replicas of each)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETWATCH_")}
    env.update(FLEETWATCH_LOCAL_DIR=str(state.dir), FLEETWATCH_BIN=BIN, FLEETWATCH_AMQP_URL=AMQP_URL,
               FLEETWATCH_DATABASE_URL=DATABASE_URL,
               # The collector deploy/local starts for this machine: under its own id, collecting every second.
               FLEETWATCH_MACHINE_ID=state.machine, FLEETWATCH_INTERVAL="1")
    args = {"up": up or ["--normalize", str(REPLICAS), "--persist", str(REPLICAS), "--alert", str(REPLICAS),
                         "--gateway", str(REPLICAS), "--no-build", "--debug", "--port-offset", str(PORT_OFFSET)]}
    return subprocess.run([str(ROOT / "deploy/local" / name), *args.get(name, [])], env=env, capture_output=True,
                          text=True, timeout=timeout)


def running(pid):
    """Alive and not a zombie (an exited child of init stays one until init reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def started_by(state_dir):
    """Pids of live processes whose environment names this stack's state folder: whatever deploy/local/up
    started, pid file or not."""
    marker = f"FLEETWATCH_LOCAL_DIR={state_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0") and running(entry.name):
                found.append(int(entry.name))
        except OSError:
            pass
    return sorted(found)


class Deployment:
    def __init__(self, directory):
        self.dir = directory
        self.machine = f"ci-deploy-local-{uuid.uuid4().hex[:8]}"
        self.pids = {}
        self.stopped = None

    def log_tails(self, lines=8):
        out = []
        for log in sorted((self.dir / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(out)

    def down(self):
        """deploy/local/down, once: its result, how long it took, and the pids it left running (killed then, so
        that no test leaves a process behind)."""
        if self.stopped is None:
            started = time.monotonic()
            result = script("down", self)
            seconds = time.monotonic() - started
            pids = set(self.pids.values()) | set(started_by(self.dir))
            try:  # a stopped process may stay a zombie for a moment
                wait_for(lambda: not any(running(p) for p in pids), 10, "every process of the stack gone")
            except AssertionError:
                pass
            left = sorted(p for p in pids if running(p))
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            self.stopped = (result, seconds, left)
        return self.stopped


@pytest.fixture(scope="module")
def deployment(services, tmp_path_factory):
    require_free_queues()
    reset_state()
    stack = Deployment(tmp_path_factory.mktemp("deploy-local"))
    try:
        up = script("up", stack)
        assert up.returncode == 0, f"deploy/local/up exited {up.returncode}:\n{up.stdout}\n{up.stderr}\n" \
                                   f"{stack.log_tails()}"
        stack.pids = {p.stem: int(p.read_text()) for p in (stack.dir / "pids").glob("*.pid")}
        assert sorted(stack.pids) == PROCESSES, stack.pids
        yield stack
    finally:
        result, _, left = stack.down()
        assert result.returncode == 0, \
            f"deploy/local/down exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        assert not left, f"deploy/local/down left pids {left} running (now killed)"


# --------------------------------------------------------------------------------------------------
# Helpers


def require_free_queues():
    """Nothing outside this stack may consume the queues it counts consumers on (an earlier test's processes may
    still be closing their channels)."""
    def busy():
        out = {}
        for name in COMPETING + ALERT_PARTITIONS:
            queue = management("GET", f"/api/queues/%2f/{name}", missing_ok=True)
            if queue and queue.get("consumer_details"):
                out[name] = len(queue["consumer_details"])
        return out

    try:
        wait_for(lambda: not busy(), 15, "no consumers on the queues this test counts", interval=0.5)
    except AssertionError:
        pass
    held = busy()
    require(not held, f"other processes consume {held} on this broker (stop them first)")


def broker_connections():
    """Client port → pid of every established connection to the broker (`ss -p` names the process)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", "( dport = :5672 )"],
                         capture_output=True, text=True, check=True).stdout
    ports = {}
    for line in out.splitlines():
        pid = re.search(r"pid=(\d+),", line)
        if pid:
            ports[int(line.split()[2].rsplit(":", 1)[1])] = int(pid.group(1))
    return ports


def consumers(queue_name, stack, foreign_ok=False):
    """[(process name, active)] of a queue's consumers, sorted; None while the queue is missing or the management
    API does not know a consumer's channel yet. A consumer of a process outside the stack makes it None too, or
    is named None with `foreign_ok`."""
    queue = management("GET", f"/api/queues/%2f/{queue_name}", missing_ok=True)
    if queue is None:
        return None
    names = {pid: name for name, pid in stack.pids.items()}
    ports = broker_connections()
    out = []
    for consumer in queue.get("consumer_details", []):
        channel = consumer.get("channel_details")
        if not isinstance(channel, dict) or "peer_port" not in channel:
            return None
        name = names.get(ports.get(channel["peer_port"]))
        if name is None and not foreign_ok:
            return None
        out.append((name, consumer.get("active", True)))
    return sorted(out, key=lambda c: (c[0] or "", c[1]))


def gateway_queue(stack, name):
    """The fanout queue a gateway's log says it reads."""
    for line in (stack.dir / "logs" / f"{name}.log").read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "gateway starting":
            return entry["queue"]
    return None


def require_ss_names_processes(stack):
    ports = broker_connections()
    require(set(stack.pids.values()) & set(ports.values()),
            "ss -tnp does not name the processes holding broker connections: consumers cannot be told apart")


def partitions(stack):
    """Every alert partition's consumers, once each has one per evaluator; None until then."""
    out = {}
    for name in ALERT_PARTITIONS:
        held = consumers(name, stack)
        if held is None or sorted(n for n, _ in held) != ["alert-1", "alert-2"]:
            return None
        out[name] = held
    return out


# --------------------------------------------------------------------------------------------------
# Tests, in the order a reader would check a fresh deployment


def test_status_reports_every_process_running_and_ready(deployment):
    result = script("status", deployment)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert sorted(rows) == PROCESSES, result.stdout
    for name, line in rows.items():
        assert re.fullmatch(rf"{re.escape(name)}\s+pid {deployment.pids[name]}\s+health 127\.0\.0\.1:\d+\s+ready",
                            line.strip()), line


def test_two_consumers_on_each_competing_queue_one_per_replica(deployment):
    require_ss_names_processes(deployment)
    for queue, role in (("fleet.normalize", "normalize"), ("fleet.persist", "persist")):
        expected = [(f"{role}-{i}", True) for i in range(1, REPLICAS + 1)]
        # The consumer count and the consumer details are refreshed separately: both must say two.
        wait_for(lambda: consumers(queue, deployment) == expected
                 and management("GET", f"/api/queues/%2f/{queue}")["consumers"] == REPLICAS, SETTLE,
                 f"{queue}: {REPLICAS} consumers, one from each of {role}-1 and {role}-2")


def test_every_alert_partition_has_single_active_consumer_and_both_evaluators(deployment):
    require_ss_names_processes(deployment)
    for name in ALERT_PARTITIONS:
        queue = management("GET", f"/api/queues/%2f/{name}", missing_ok=True)
        assert queue is not None, f"{name} missing"
        assert queue["arguments"].get("x-single-active-consumer") is True, (name, queue["arguments"])
    held = wait_for(lambda: partitions(deployment), SETTLE,
                    "every partition with a consumer from alert-1 and one from alert-2")
    for name, consumer_list in held.items():
        assert sum(active for _, active in consumer_list) == 1, (name, consumer_list)
    # The evaluators consume exactly the partitions the exchange feeds, no more.
    consumed = {q["name"] for q in management("GET", "/api/queues/%2f")
                if re.fullmatch(r"fleet\.alert\.p\d+", q["name"]) and q.get("consumers")}
    assert consumed <= set(ALERT_PARTITIONS), consumed


def test_each_gateway_has_its_own_fanout_queue_and_sees_the_collector_machine(deployment):
    require_ss_names_processes(deployment)

    def fanout_queues():
        """Process name → [(fanout queue, its consumer count)]; None until every gateway has one."""
        out = {}
        for queue in management("GET", "/api/queues/%2f"):
            if queue["name"].startswith("fleet.fanout."):
                held = consumers(queue["name"], deployment, foreign_ok=True) or []
                for name, _ in held:
                    if name:
                        out.setdefault(name, []).append((queue["name"], len(held)))
        return out if all(f"gateway-{i}" in out for i in range(1, REPLICAS + 1)) else None

    queues = wait_for(fanout_queues, SETTLE, "a fanout queue consumed by each gateway")
    for i in range(1, REPLICAS + 1):
        name = f"gateway-{i}"
        assert queues[name] == [(gateway_queue(deployment, name), 1)], (name, queues)
    assert len({queues[f"gateway-{i}"][0][0] for i in range(1, REPLICAS + 1)}) == REPLICAS, queues

    # The collector's batches went collector → edge → normalizers → fleet.metrics → each gateway's queue (live:
    # its last_seen_ms moves on at every gateway) and to PostgreSQL through the persisters.
    def listed(port):
        response = requests.get(f"http://127.0.0.1:{port}/api/v1/machines", timeout=5)
        response.raise_for_status()
        found = [m for m in response.json()["machines"] if m["machine_id"] == deployment.machine]
        return found[0] if found and found[0]["status"] == "online" else None

    hostname = Path("/proc/sys/kernel/hostname").read_text().strip()
    for port in GATEWAY_PORTS:
        first = wait_for(lambda: listed(port), SETTLE, f"{deployment.machine} online at the gateway on {port}")
        assert first["hostname"] == hostname, first
        wait_for(lambda: (listed(port) or first)["last_seen_ms"] > first["last_seen_ms"], 15,
                 f"{deployment.machine} updated live at the gateway on {port}")
    wait_for(lambda: scalar(f"select count(*) from batches_seen where machine_id = '{deployment.machine}'") > 0, 15,
             f"{deployment.machine}'s batches persisted")


def test_active_alert_partitions_are_spread_over_both_evaluators(deployment):
    """Each evaluator is the active consumer of at least one partition. Single-active-consumer by itself makes the
    first consumer to subscribe active until it goes away, so the evaluators have to share the partitions out."""
    require_ss_names_processes(deployment)
    last = {}

    def spread():
        held = partitions(deployment)
        last["active"] = held and {name: [n for n, active in c if active] for name, c in held.items()}
        return held and {n for names in last["active"].values() for n in names} == {"alert-1", "alert-2"}

    try:
        wait_for(spread, 15, "each evaluator active on at least one partition")
    except AssertionError:
        raise AssertionError(f"active consumers per partition: {last['active']}") from None


def test_down_stops_every_process(deployment):
    result, seconds, left = deployment.down()
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("stopped ")) == PROCESSES
    assert not left, left
    assert not started_by(deployment.dir), "processes of the stack still running after deploy/local/down"
    assert not list((deployment.dir / "pids").glob("*.pid"))
    print(f"deploy/local/down took {seconds:.1f} s")


# --------------------------------------------------------------------------------------------------
# deploy/local/up --rabbitmq-cluster

CLUSTER_PORT_OFFSET = int(os.environ.get("FLEETWATCH_TEST_DEPLOY_CLUSTER_PORT_OFFSET", "500"))
# deploy/local/up puts the cluster's node a on AMQP 5681 + offset, its management API 10000 above.
CLUSTER_BASE = 5681 + CLUSTER_PORT_OFFSET
CLUSTER_PROCESSES = sorted(["ingest", "config-service", "normalize-1", "persist-1", "alert-1", "gateway-1"])


def cluster_management(path):
    answer = requests.get(f"http://127.0.0.1:{CLUSTER_BASE + 10000}{path}", auth=("guest", "guest"), timeout=10)
    answer.raise_for_status()
    return answer.json()


@pytest.fixture(scope="module")
def cluster_deployment(services):
    require(Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists(), "rabbitmq-server is not installed")
    # Under /tmp itself, and enterable: run as root, the nodes run as the rabbitmq user, with their data inside.
    directory = Path(tempfile.mkdtemp(prefix="fleetwatch-deploy-cluster-"))
    directory.chmod(0o711)
    stack = Deployment(directory)
    started = time.monotonic()
    try:
        up = script("up", stack, timeout=300, up=["--rabbitmq-cluster", "--no-collect", "--no-build", "--debug",
                                                  "--port-offset", str(CLUSTER_PORT_OFFSET)])
        assert up.returncode == 0, f"deploy/local/up --rabbitmq-cluster exited {up.returncode}:\n{up.stdout}\n" \
                                   f"{up.stderr}\n{stack.log_tails()}"
        print(f"\ndeploy/local/up --rabbitmq-cluster took {time.monotonic() - started:.0f} s")
        stack.pids = {p.stem: int(p.read_text()) for p in (stack.dir / "pids").glob("*.pid")}
        assert sorted(stack.pids) == CLUSTER_PROCESSES, stack.pids
        yield stack
    finally:
        result, _, left = stack.down()
        subprocess.run([str(ROOT / "scripts/services/rabbitmq-cluster"), "stop", str(directory / "rabbitmq-cluster")],
                       capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)
        assert result.returncode == 0, \
            f"deploy/local/down exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        assert not left, f"deploy/local/down left pids {left} running (now killed)"


def test_cluster_stack_is_ready_on_three_rabbitmq_nodes(cluster_deployment):
    stack = cluster_deployment
    status = script("status", stack)
    assert status.returncode == 0, status.stdout + status.stderr
    assert sorted(line.split()[0] for line in status.stdout.splitlines() if line.strip()) == CLUSTER_PROCESSES
    nodes = [f"fleetwatch-{CLUSTER_BASE}-{letter}@localhost" for letter in "abc"]
    assert sorted(n["name"] for n in cluster_management("/api/nodes") if n.get("running")) == nodes
    # Every process was given the three nodes, and the edge publishes through the first.
    ingest_log = (stack.dir / "logs/ingest.log").read_text(errors="replace")
    assert f"@127.0.0.1:{CLUSTER_BASE}/%2f (node 1 of 3)" in ingest_log, ingest_log[-2000:]

    def replicated():
        queues = {q["name"]: q for q in cluster_management("/api/queues/%2f?columns=name,type,members,online")}
        wanted = [queues.get(name) for name in COMPETING + ALERT_PARTITIONS[:1]]
        return all(q and q["type"] == "quorum" and sorted(q["members"]) == sorted(q["online"]) == nodes
                   for q in wanted)

    # Declared by the processes once the cluster was formed: a member on each node from the start.
    wait_for(replicated, 30, "three members online in fleet.normalize, fleet.persist and fleet.alert.p0")


def test_cluster_down_stops_the_processes_and_the_nodes(cluster_deployment):
    stack = cluster_deployment
    result, seconds, left = stack.down()
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("stopped ")) == \
        CLUSTER_PROCESSES
    for letter in "abc":
        assert f"RabbitMQ node fleetwatch-{CLUSTER_BASE}-{letter}@localhost stopped" in result.stderr, result.stderr
    assert not left, left
    assert not started_by(stack.dir), "processes of the stack (or its RabbitMQ nodes) still running after down"
    print(f"deploy/local/down with the cluster took {seconds:.1f} s")
