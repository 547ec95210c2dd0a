"""deploy/compose.yaml built and run for real, with rootful podman and podman-compose 1.6.0 (issue 14, parts 1 and 2).

scripts/containers/build-images makes the images from the fleetwatch binary under test (FLEETWATCH_BIN) and
from Debian's RabbitMQ and PostgreSQL; it keeps images whose inputs did not change. The stack then runs with
a 3-node RabbitMQ cluster and 2 replicas of normalize, persist, alert and gateway, under a project name of its
own, with its secrets in a temporary folder and its host ports on free ports (never the host broker's 5672/15672 or
PostgreSQL's 5432). The tests, in order:
- every container turns healthy (`podman healthcheck run`: podman runs no health checks by itself here), and
  the RabbitMQ management API shows each replica, by its container's address, as a consumer of its role's queues;
- the management API shows the three RabbitMQ nodes running and three members, all online, in each role's quorum
  queue;
- `fleetwatch probe --report` inside the compose network sees every probe through every hop; each gateway
  replica answers on its published port;
- a crashed replica (its process killed with SIGKILL) is restarted by `restart: unless-stopped`; one stopped
  with `podman kill` is not (podman counts that as a stop) and comes back with `podman-compose up -d`, as a
  user would do; a probe run across both loses nothing (its sequence accounting: every probe acked, normalized,
  persisted and evaluated; the perishable live hop may miss a few, see assert_nothing_lost);
- a RabbitMQ node that leads quorum queues dies (SIGKILL) while a probe run is under way: its leaders move to the
  two others, the probe loses nothing, and the node, restarted by its policy, rejoins with its queue memberships
  online again;
- `podman-compose down -v` removes the containers, the network and the volumes.

CI runs scripts/containers/setup-host first (.ci/run). Locally, without podman or podman-compose, the tests
skip with the reason; under CI=true they fail. The phases' durations are printed (pytest -s shows them)."""
import json
import os
import signal
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import BIN, ROOT, free_port, require, wait_for

COMPOSE_FILE = ROOT / "deploy/compose.yaml"
PODMAN_COMPOSE = Path(os.environ.get("FLEETWATCH_PODMAN_COMPOSE", ROOT / ".data/tools/podman-compose/bin/podman-compose"))
PROJECT = "fleetwatch-ci"
REPLICATED = ["normalize", "persist", "alert", "gateway"]
BROKERS = ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]
SERVICES = [*BROKERS, "postgres", "ingest", *REPLICATED, "config-service", "probe"]
HOPS = ["edge_ack", "normalized", "persisted", "evaluated", "websocket"]


def podman(*args, check=True, timeout=120):
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


class ComposeStack:
    """The compose project under test: podman-compose with its own env file, and what the tests ask podman."""

    def __init__(self, tmp: Path):
        self.dir = tmp
        self.env_file = tmp / ".env"
        # rabbitmq-1's, -2's and -3's management API.
        self.management_ports = [free_port() for _ in BROKERS]
        self.timings = {}

    def prepare(self):
        secrets = self.dir / "secrets"
        subprocess.run([str(ROOT / "deploy/init-secrets"), "--from-examples", "--secrets-dir", str(secrets),
                        "--env-file", str(self.env_file)], check=True, capture_output=True, text=True, timeout=60)
        started = time.monotonic()
        build = subprocess.run([str(ROOT / "scripts/containers/build-images"), "--binary", BIN, "--env-file",
                                str(self.env_file)], capture_output=True, text=True, timeout=900)
        assert build.returncode == 0, f"build-images failed:\n{build.stderr[-3000:]}"
        self.timings["build-images"] = time.monotonic() - started
        print(build.stderr, end="")
        with self.env_file.open("a") as env:
            env.write(f"FLEETWATCH_SECRETS_DIR={secrets}\n"
                      f"FLEETWATCH_MANAGEMENT_PORT={self.management_ports[0]}\n"
                      f"FLEETWATCH_MANAGEMENT_PORT_2={self.management_ports[1]}\n"
                      f"FLEETWATCH_MANAGEMENT_PORT_3={self.management_ports[2]}\n"
                      f"FLEETWATCH_INGEST_PORT={free_port()}\n"
                      f"FLEETWATCH_CONFIG_PORT={free_port()}\n"
                      # podman-compose cannot publish a port range: every gateway replica gets a free port.
                      "FLEETWATCH_GATEWAY_PUBLISH=127.0.0.1::8080\n")
        self.amqp_password = (secrets / "amqp_password").read_text().strip()

    def compose(self, *args, timeout=300):
        # The caller's FLEETWATCH_* variables (FLEETWATCH_BIN, a test broker's URL …) would win over the env file.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETWATCH_", "COMPOSE_"))}
        result = subprocess.run([str(PODMAN_COMPOSE), "--env-file", str(self.env_file), "-p", PROJECT, "-f",
                                 str(COMPOSE_FILE), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=timeout)
        assert result.returncode == 0, f"podman-compose {' '.join(args)} exited {result.returncode}:\n" \
                                       f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        return result

    def containers(self, service=None, all_=False):
        filters = ["--filter", f"label=io.podman.compose.project={PROJECT}"]
        if service:
            filters += ["--filter", f"label=io.podman.compose.service={service}"]
        names = podman("ps", *(["-a"] if all_ else []), *filters, "--format", "{{.Names}}").stdout.split()
        return sorted(names)

    def inspect(self, container, template):
        return podman("inspect", container, "--format", template).stdout.strip()

    def address(self, container):
        networks = json.loads(self.inspect(container, "{{json .NetworkSettings.Networks}}"))
        (network,) = networks.values()
        return network["IPAddress"]

    def healthy(self, container):
        return podman("healthcheck", "run", container, check=False, timeout=30).returncode == 0

    def wait_healthy(self, containers, timeout=180):
        """Until every container's compose health check passes; a failure names the others with their last logs."""
        unhealthy = list(containers)

        def all_healthy():
            unhealthy[:] = [c for c in unhealthy if not self.healthy(c)]
            return not unhealthy

        try:
            wait_for(all_healthy, timeout, "health checks passing", interval=1)
        except AssertionError:
            logs = {c: self.logs(c, 5)[-1500:] for c in unhealthy}
            raise AssertionError(f"still unhealthy after {timeout} s: {unhealthy}; their last log lines: "
                                 + json.dumps(logs, indent=1)) from None

    def logs(self, container, lines):
        result = podman("logs", "--tail", str(lines), container, check=False)
        return result.stdout + result.stderr

    def role_logs(self, lines=15):
        """The last log lines of the normalize and gateway replicas, for a failure message."""
        return "\n".join(f"--- {c}\n{self.logs(c, lines)[-3000:]}"
                         for service in ("normalize", "gateway") for c in self.containers(service))

    def management(self, path, node=0):
        """The management API of RabbitMQ node `node` (0, 1, 2: rabbitmq-1, -2, -3); each shows the whole cluster."""
        answer = requests.get(f"http://127.0.0.1:{self.management_ports[node]}{path}",
                              auth=("fleetwatch", self.amqp_password), timeout=10)
        answer.raise_for_status()
        return answer.json()

    def consumers_by_queue(self):
        """queue name -> sorted client addresses of its consumers ({} while the management API does not answer)."""
        found = {}
        try:
            consumers = self.management("/api/consumers")
        except requests.RequestException:
            return {}
        for consumer in consumers:
            found.setdefault(consumer["queue"]["name"], []).append(consumer["channel_details"]["peer_host"])
        return {queue: sorted(hosts) for queue, hosts in found.items()}

    def probe(self, *args):
        """`fleetwatch probe --report` inside the probe service's container, through ingest and a gateway."""
        (container,) = self.containers("probe")
        return ["podman", "exec", container, "fleetwatch", "probe", "--report", "--output", "json",
                "--ingest-url", "http://ingest:7070", "--gateway-url", "http://gateway:8080",
                "--token-file", "/run/secrets/collector_token", "--health-addr", "127.0.0.1:0", *args]

    def down(self):
        return self.compose("down", "-v", timeout=300)


def print_timings(stack):
    print("\ncompose test timings: " + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in stack.timings.items()))


@pytest.fixture(scope="module")
def compose_stack(tmp_path_factory):
    require(shutil.which("podman"), "podman is not installed (scripts/containers/setup-host installs it)")
    require(os.access(PODMAN_COMPOSE, os.X_OK),
            f"podman-compose is not at {PODMAN_COMPOSE} (scripts/containers/setup-host installs 1.6.0)")
    require(os.geteuid() == 0, "the compose test runs rootful podman: run it as root")
    require(Path(BIN).exists(), f"{BIN} is not built (swift build)")
    require(podman("image", "exists", "localhost/debian:bookworm-slim", check=False).returncode == 0,
            "the base image localhost/debian:bookworm-slim is missing (scripts/containers/setup-host makes it)")
    stack = ComposeStack(tmp_path_factory.mktemp("compose"))
    stack.prepare()
    # What a failed earlier run may have left behind.
    stack.compose("down", "-v")
    started = time.monotonic()
    stack.compose("up", "-d", "--no-build")
    stack.timings["up"] = time.monotonic() - started
    yield stack
    if stack.containers(all_=True):
        stack.down()
    print_timings(stack)


def assert_nothing_lost(report, count, when):
    """Every probe went through the durable hops: acked by the edge, normalized, persisted and evaluated. The live
    hop (a gateway's WebSocket) may miss a few while things are killed, by design: the gateways' fanout queues are
    perishable (one whose node dies is re-created empty on another), and the live view shows a machine's newest
    sample only, so a probe redelivered after a newer one overtook it never appears there. A lost probe that matters
    is one missing from PostgreSQL or the alert evaluator. With the two normalizers publishing through different
    nodes and redeliveries after a kill, 0–12 of 150 probes were overtaken so (2-core machine, with and without load)."""
    assert report["sent"] == count, report
    durable = {hop: n for hop, n in report["lost"].items() if hop != "websocket"}
    assert not any(durable.values()), f"probes lost {when}: {report['lost']}"
    live = report["lost"].get("websocket", 0)
    # The live feed kept flowing: most probes reached a browser.
    assert live <= count // 2, f"{live} of {count} probes never reached a WebSocket {when}: {report}"
    if live:
        print(f"\n{live} of {count} probes not on the live feed {when} (overtaken, or in a re-created fanout queue)")


def test_every_replica_turns_healthy_and_consumes_its_queues(compose_stack):
    stack = compose_stack
    started = time.monotonic()
    by_service = {service: stack.containers(service) for service in SERVICES}
    for service, names in by_service.items():
        assert len(names) == (2 if service in REPLICATED else 1), f"{service}: containers {names}"
    stack.wait_healthy([name for names in by_service.values() for name in names])
    stack.timings["ready after up"] = time.monotonic() - started

    addresses = {service: sorted(stack.address(c) for c in names) for service, names in by_service.items()}
    assert len({a for service in REPLICATED for a in addresses[service]}) == 8, addresses

    def role_queues():
        consumers = stack.consumers_by_queue()
        gateways = sorted(h for q, hosts in consumers.items() if q.startswith("fleet.fanout.gw-") for h in hosts)
        return {
            "normalize": [consumers.get("fleet.normalize", [])],
            "persist": [consumers.get("fleet.persist", [])],
            "alert": [consumers.get(f"fleet.alert.p{n}", []) for n in range(4)],
            "gateway": [gateways],
        }

    def every_replica_consumes():
        queues = role_queues()
        return all(hosts == addresses[role] for role, per_queue in queues.items() for hosts in per_queue) and queues

    # The management API refreshes consumer lists, and the queues' consumer counts apart from them, every few seconds.
    wait_for(every_replica_consumes, 60, f"each replica consuming its role's queues, by address {addresses}", interval=1)
    role_queue_names = ["fleet.normalize", "fleet.persist", *[f"fleet.alert.p{n}" for n in range(4)]]

    def consumer_counts():
        queues = {q["name"]: q for q in stack.management("/api/queues/%2f")}
        return {name: (queues[name]["type"], queues[name].get("consumers")) for name in role_queue_names}

    wait_for(lambda: set(consumer_counts().values()) == {("quorum", 2)}, 60,
             "2 consumers on each role's quorum queue in /api/queues")


NODES = [f"rabbit@{broker}" for broker in BROKERS]
ROLE_QUEUES = ["fleet.normalize", "fleet.persist", *[f"fleet.alert.p{n}" for n in range(4)]]


def quorum_membership(stack, node=0):
    """queue name -> (leader, sorted members, sorted online members) of every quorum queue; {} while the node's
    management API does not answer."""
    try:
        queues = stack.management("/api/queues/%2f?columns=name,type,leader,members,online", node)
    except requests.RequestException:
        return {}
    return {q["name"]: (q.get("leader"), sorted(q.get("members", [])), sorted(q.get("online", [])))
            for q in queues if q.get("type") == "quorum"}


def running_nodes(stack, node=0):
    try:
        return sorted(n["name"] for n in stack.management("/api/nodes", node) if n.get("running"))
    except requests.RequestException:
        return []


def fully_replicated(stack, node=0):
    """Every role queue with all three nodes as members and online (the membership, or False)."""
    membership = quorum_membership(stack, node)
    complete = all(name in membership and membership[name][1] == membership[name][2] == NODES for name in ROLE_QUEUES)
    return complete and membership


def test_three_rabbitmq_nodes_run_and_every_quorum_queue_has_three_members(compose_stack):
    stack = compose_stack
    started = time.monotonic()
    for node in range(len(BROKERS)):
        assert wait_for(lambda: running_nodes(stack, node) == NODES, 60,
                        f"the three nodes running, as {BROKERS[node]} sees them")
    # The first node imports the topology alone at its first start; the others add themselves once they have
    # booted (deploy/rabbitmq-node), so the membership may still be growing here.
    membership = wait_for(lambda: fully_replicated(stack), 120, "three members online in each role's quorum queue")
    assert all(membership[name][0] in NODES for name in ROLE_QUEUES), membership
    stack.timings["cluster checked"] = time.monotonic() - started


def test_probe_report_through_the_stack_and_each_gateway_answers_on_its_port(compose_stack):
    stack = compose_stack
    run = subprocess.run(stack.probe("--count", "20", "--interval", "0.2", "--name", "compose"),
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, f"probe exited {run.returncode}: {run.stderr[-2000:]}\n{run.stdout}"
    report = json.loads(run.stdout)
    assert report["sent"] == 20 and report["completed"] == 20 and not any(report["lost"].values()), report
    assert [h["hop"] for h in report["hops"]] == HOPS
    for hop in report["hops"]:
        assert hop["latency"]["count"] == 20, hop

    gateways = stack.containers("gateway")
    published = set()
    for gateway in gateways:
        (address,) = podman("port", gateway, "8080/tcp").stdout.split()
        assert address.startswith("127.0.0.1:"), address
        published.add(address)
        ready = requests.get(f"http://{address}/readyz", timeout=10)
        assert ready.status_code == 200, (gateway, ready.status_code, ready.text)
    assert len(published) == len(gateways) == 2



def sending_probe(stack, count, name):
    """`fleetwatch probe` through the stack, ten probes a second, returned once it announces that it is sending
    ("probe: 150 probes every 100ms …")."""
    probe = subprocess.Popen(stack.probe("--count", str(count), "--interval", "0.1", "--timeout", "30",
                                         "--name", name),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    banner = ""
    while not banner.startswith("probe:"):
        banner = probe.stderr.readline()
        assert banner, "the probe exited before it started sending"
    return probe

def test_killed_replicas_come_back_and_nothing_is_lost(compose_stack):
    stack = compose_stack
    started = time.monotonic()
    crashed = stack.containers("persist")[0]
    stopped = stack.containers("normalize")[1]
    restarts = int(stack.inspect(crashed, "{{.RestartCount}}"))
    # Ten probes a second for 15 s: some are in a replica's hands whenever it is killed.
    count = 150
    probe = sending_probe(stack, count, "replica-loss")
    try:
        # A crash: the replica's process dies with SIGKILL (as the OOM killer would do it).
        os.kill(int(stack.inspect(crashed, "{{.State.Pid}}")), signal.SIGKILL)
        wait_for(lambda: int(stack.inspect(crashed, "{{.RestartCount}}")) > restarts
                 and stack.inspect(crashed, "{{.State.Status}}") == "running",
                 60, f"{crashed} restarted by its restart policy")

        # `podman kill` is an explicit stop for podman: the restart policy leaves the container exited.
        podman("kill", stopped)
        podman("wait", stopped, timeout=60)
        assert stack.inspect(stopped, "{{.State.Status}}") == "exited"
        stack.compose("up", "-d", "--no-build")
        wait_for(lambda: stack.inspect(stopped, "{{.State.Status}}") == "running", 60, f"{stopped} started again")
        stack.wait_healthy([crashed, stopped])

        out, err = probe.communicate(timeout=180)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.communicate()
    stack.timings["kill and restart"] = time.monotonic() - started
    # The probe exits 1 when a probe missed any hop, the live one included: the report tells which.
    assert probe.returncode in (0, 1) and out, f"probe exited {probe.returncode}: {err[-2000:]}\n{out}"
    assert_nothing_lost(json.loads(out), count, "while replicas were killed")

    # Both replicas consume again, at their addresses.
    for service, queue in [("persist", "fleet.persist"), ("normalize", "fleet.normalize")]:
        expected = sorted(stack.address(c) for c in stack.containers(service))
        wait_for(lambda: stack.consumers_by_queue().get(queue) == expected, 60,
                 f"both {service} replicas consuming {queue} again", interval=1)


def broker_nodes_of(stack, container):
    """The RabbitMQ nodes a container holds AMQP connections to, from the management API."""
    address = stack.address(container)
    return {c["node"] for c in stack.management("/api/connections") if c.get("peer_host") == address}


def test_a_killed_rabbitmq_node_loses_nothing_and_rejoins(compose_stack):
    stack = compose_stack
    started = time.monotonic()
    # The node to kill leads quorum queues and holds consumers, but not the edge's connection: a publish the edge
    # had in flight on a dying node fails with UNAVAILABLE, which collectors resend and `fleetwatch probe` does not
    # (it stops at the first refused probe).
    (ingest,) = stack.containers("ingest")
    edge_nodes = broker_nodes_of(stack, ingest)
    candidates = [n for n in NODES if n not in edge_nodes]
    assert candidates, f"the edge holds connections to every node: {edge_nodes}"
    # Nor, where another node is left, a gateway's: every echo of a probe (normalized, persisted, evaluated) reaches
    # `fleetwatch probe` through a gateway's own feed queue, exclusive to its connection, which dies with its node,
    # so echoes in flight then are lost although the data they report went through (one run lost one probe's
    # normalized and evaluated echoes that way, while its persisted echo, a moment later, arrived).
    gateway_nodes = set().union(*(broker_nodes_of(stack, g) for g in stack.containers("gateway")))
    candidates = [n for n in candidates if n not in gateway_nodes] or candidates
    # The leaders stay where the queues were declared: spread them over the three nodes, so that the victim leads some.
    podman("exec", stack.containers(BROKERS[0])[0], "rabbitmq-queues", "rebalance", "quorum", timeout=120)
    before = quorum_membership(stack)
    victim = max(candidates, key=lambda n: sum(leader == n for leader, _, _ in before.values()))
    index = NODES.index(victim)
    witness = next(i for i in range(len(NODES)) if i != index)
    (node,) = stack.containers(BROKERS[index])
    led = sorted(name for name, (leader, _, _) in before.items() if leader == victim)
    assert led, f"{victim} leads no quorum queue after the rebalance: {before}"
    restarts = int(stack.inspect(node, "{{.RestartCount}}"))
    count = 150
    probe = sending_probe(stack, count, "node-loss")
    try:
        # kill -9 of the node's PID 1 (deploy/rabbitmq-node): the container dies with its rabbitmq-server.
        os.kill(int(stack.inspect(node, "{{.State.Pid}}")), signal.SIGKILL)
        # The two others see it gone and elect new leaders for the queues it led.
        wait_for(lambda: (m := quorum_membership(stack, witness)) and all(m[q][0] not in (None, victim) for q in led),
                 30, f"new leaders for {led}, led by {victim} before")
        wait_for(lambda: int(stack.inspect(node, "{{.RestartCount}}")) > restarts
                 and stack.inspect(node, "{{.State.Status}}") == "running", 60, f"{node} restarted by its restart policy")
        out, err = probe.communicate(timeout=180)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.communicate()
    # The probe exits 1 when a probe missed any hop, the live one included: the report tells which.
    assert probe.returncode in (0, 1) and out, f"probe exited {probe.returncode}: {err[-2000:]}\n{out}"
    assert_nothing_lost(json.loads(out), count, f"while RabbitMQ node {victim} was killed")
    # Back: the restarted node is in the cluster again and a member, online, of every role queue.
    wait_for(lambda: running_nodes(stack, witness) == NODES, 120, f"{victim} running in the cluster again")
    wait_for(lambda: fully_replicated(stack, witness), 120, "three members online in each role's quorum queue again")
    stack.timings["node kill and rejoin"] = time.monotonic() - started
    print(f"\nkilled {victim}, which led {led}")


def test_down_removes_containers_network_and_volumes(compose_stack):
    stack = compose_stack
    started = time.monotonic()
    stack.down()
    stack.timings["down"] = time.monotonic() - started
    assert stack.containers(all_=True) == []
    volumes = podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
    assert not [v for v in volumes if v.startswith(f"{PROJECT}_")], volumes
    networks = podman("network", "ls", "--format", "{{.Name}}").stdout.split()
    assert f"{PROJECT}_default" not in networks, networks
