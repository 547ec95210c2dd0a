"""The pipeline on a 3-node RabbitMQ cluster (scripts/services/rabbitmq-cluster) loses a node under load.

FLEETWATCH_AMQP_URL lists the three nodes; every connection fails over to the next one. Node a is kill -9'd while
collectors and loadgen send, and the test checks: nothing lost or duplicated (sequence accounting), batches made
after the kill are persisted within 10 s, the quorum queues' leaders move off the dead node, and the node, started
again, rejoins with every quorum queue back to three members online.

The cluster runs on free ports (never 5672/15672, which the other tests use) and takes ~40 s to form; the whole test
takes about 2 minutes, most of it the cluster starting and stopping.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, ROOT, Process, Stack, harness, require, reset_state, scalar, sql, wait_for

SCRIPT = ROOT / "scripts/services/rabbitmq-cluster"
NODES = "abc"


class Cluster:
    """The three nodes: URL lists in any order, each node's management API, kill -9 and restart."""

    def __init__(self, directory, base):
        self.dir = directory
        self.base = base

    def node(self, letter):
        return f"fleetwatch-{self.base}-{letter}@localhost"

    def urls(self, first="a"):
        """FLEETWATCH_AMQP_URL with node `first` first (a connection starts there, then rotates)."""
        start = NODES.index(first)
        order = NODES[start:] + NODES[:start]
        return ",".join(f"amqp://guest:guest@127.0.0.1:{self.base + NODES.index(n)}/%2f" for n in order)

    def management(self, letter, path):
        api = harness.Management(f"http://guest:guest@127.0.0.1:{self.base + 10000 + NODES.index(letter)}")
        return api.call("GET", path)

    def quorum_queues(self, via):
        listing = self.management(via, "/queues/%2f?columns=name,type,leader,members,online") or []
        return {q["name"]: q for q in listing if q.get("type") == "quorum"}

    def script(self, *args, timeout=180):
        return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, check=True)

    def kill9(self, letter):
        pid = int(self.script("pid", self.dir, letter).stdout.strip())
        os.kill(pid, signal.SIGKILL)


def free_base():
    """A base port whose AMQP, management and distribution ports (base+i, base+10000+i, base+100+i) are all free."""
    for _ in range(200):
        base = random.randrange(17000, 19900)
        ports = [base + offset + i for offset in (0, 100, 10000) for i in range(3)]
        if all(harness.port_free(port) for port in ports):
            return base
    raise AssertionError("no free base port for the cluster")


@pytest.fixture
def cluster(services):
    require(SCRIPT.exists(), f"{SCRIPT} missing")
    require(os.path.exists("/usr/lib/rabbitmq/bin/rabbitmq-server"), "rabbitmq-server is not installed")
    # Under /tmp itself: the nodes run as the rabbitmq user, which cannot enter pytest's private tmp_path.
    directory = tempfile.mkdtemp(prefix="fleetwatch-cluster-")
    base = free_base()
    try:
        subprocess.run([str(SCRIPT), "start", directory, str(base)], capture_output=True, text=True, timeout=240,
                       check=True)
        yield Cluster(directory, base)
    finally:
        subprocess.run([str(SCRIPT), "stop", directory], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def sequences(machine):
    return [int(row[0]) for row in sql(f"select sequence from batches_seen where machine_id = '{machine}' order by sequence")]


def final_counters(process):
    for line in reversed(process.log_lines()):
        if line.get("msg") == "collector stopped":
            return line
    raise AssertionError(f"no 'collector stopped' line:\n{process.tail()}")


def test_a_node_killed_under_load_loses_nothing_and_rejoins(cluster, tmp_path):
    reset_state()
    stack = Stack(tmp_path)
    stack.env["FLEETWATCH_AMQP_URL"] = cluster.urls("a")
    try:
        # Every process's publisher starts on node a (it declares the topology there, so the quorum queues' leaders
        # are on a) and its consumers on b, c, …: killing a moves publishers and leaders alike.
        stack.pipeline()
        collectors = [stack.collector(f"cluster-{i}", interval=1) for i in range(3)]

        # A second edge whose publisher sits on b keeps acking loadgen's batches while a is down: loadgen, unlike a
        # collector, does not resend a batch the edge refused.
        port = harness.free_port()
        edge_b = Process("ingest-b", ["ingest"], dict(
            stack.env, FLEETWATCH_AMQP_URL=cluster.urls("b"), FLEETWATCH_INGEST_LISTEN=f"127.0.0.1:{port}",
            FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{port}"), tmp_path)
        stack.processes.append(edge_b.start())
        edge_b.wait_ready()

        queues = cluster.quorum_queues("b")
        assert "fleet.normalize" in queues and "fleet.persist" in queues, sorted(queues)
        everyone = {cluster.node(letter) for letter in NODES}
        for name, queue in queues.items():
            assert set(queue["members"]) == everyone, f"{name} has members {queue['members']}"
        on_a = sorted(name for name, queue in queues.items() if queue["leader"] == cluster.node("a"))
        assert on_a, f"no quorum queue leader on node a to move: {[(n, q['leader']) for n, q in queues.items()]}"

        machines, duration = 20, 45
        loadgen = subprocess.Popen(
            [BIN, "loadgen", "--machines", str(machines), "--interval", "0.25", "--duration", str(duration), "--json"],
            env=dict(edge_b.env, FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{port}"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: scalar("select count(*) from batches_seen where machine_id like 'sim-%'") > 300, 60,
                 "loadgen's batches persisted through the cluster")
        wait_for(lambda: all(len(sequences(f"cluster-{i}")) >= 3 for i in range(3)), 60, "collectors' batches persisted")

        cluster.kill9("a")
        killed = time.time()
        # Flow resumes: a batch loadgen made after the kill is persisted within 10 s.
        wait_for(lambda: scalar("select count(*) from ticks where machine_id like 'sim-%' "
                                f"and ts > to_timestamp({killed + 0.5})") > 0, 10,
                 "a batch made after node a died persisted")
        resumed = time.time() - killed
        print(f"flow resumed {resumed:.1f} s after kill -9 of node a")

        def leaders_moved():
            now = cluster.quorum_queues("b")
            return all(now[name]["leader"] not in ("", None, cluster.node("a")) for name in on_a)

        wait_for(harness.safe(leaders_moved), 30, f"the leaders of {on_a} moving off node a")
        moved = {name: cluster.quorum_queues("b")[name]["leader"] for name in on_a}

        # The collectors, whose edge lost its node, resend what was refused: more of their batches arrive.
        counts = [len(sequences(f"cluster-{i}")) for i in range(3)]
        wait_for(lambda: all(len(sequences(f"cluster-{i}")) > counts[i] + 2 for i in range(3)), 60,
                 "collectors' batches persisted after the failover")

        # The node comes back, rejoins the cluster, and every quorum queue has its three members online again.
        cluster.script("start", cluster.dir)
        nodes = cluster.management("b", "/nodes?columns=name,running")
        assert {n["name"] for n in nodes if n["running"]} == everyone, nodes

        def three_online():
            return all(set(q["online"]) == everyone and set(q["members"]) == everyone
                       for q in cluster.quorum_queues("a").values())

        wait_for(harness.safe(three_online), 60, "every quorum queue with three members online")

        out, err = loadgen.communicate(timeout=duration + 120)
        assert loadgen.returncode == 0, err
        report = json.loads(out)
        sent = report["batches_sent"]
        assert report["batches_acked"] == sent
        for collector in collectors:
            assert collector.stop() == 0
        acked = {f"cluster-{i}": int(final_counters(c)["acked"]) for i, c in enumerate(collectors)}

        # Sequence accounting: every acked batch persisted exactly once, in an unbroken sequence.
        total = sent + sum(acked.values())
        wait_for(lambda: scalar("select count(*) from batches_seen where machine_id like 'sim-%' "
                                "or machine_id like 'cluster-%'") >= total, 90, f"all {total} acked batches persisted")
        for index in range(machines):
            got = sequences(f"sim-{index}")
            assert got == list(range(1, len(got) + 1)), f"sim-{index} has gaps or duplicates"
        assert scalar("select count(*) from batches_seen where machine_id like 'sim-%'") == sent
        for machine, count in acked.items():
            assert sequences(machine) == list(range(1, count + 1)), f"{machine}: lost or duplicated batches"
        print(f"{sent} loadgen batches and {acked} collector batches, each exactly once; leaders moved to {moved}")
    finally:
        stack.stop_all()
