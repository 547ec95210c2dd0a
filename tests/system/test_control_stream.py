"""The seed's control stream (issue 14, part 5): `monitoring.ControlService/ManageStream`, served by the hub on its
fleet-query port beside `monitoring.MetricsService` (and by `fleetwatch ingest` on the edge's gRPC port), maps
onto the edge's collector commands. The client here is generated only from proto/monitoring/monitoring.proto."""
import queue
import subprocess
import sys
import time

import grpc
import pytest

from conftest import BIN, ROOT, require, wait_for
from test_gateway import monitoring_stubs
from test_hub import Hub, read_only, this_machine


@pytest.fixture(scope="module")
def monitoring(tmp_path_factory):
    """monitoring_pb2 and monitoring_pb2_grpc, compiled from the seed's proto alone (test_gateway's generator: one
    registration of monitoring/monitoring.proto in protobuf's descriptor pool for the whole session, which refuses
    the same symbols from a second file name)."""
    return monitoring_stubs(tmp_path_factory.mktemp("seed-proto"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    require(__import__("pathlib").Path(BIN).exists(), f"{BIN} is not built")
    tmp = tmp_path_factory.mktemp("control-hub")
    hub = Hub(tmp, tmp / "data")
    hub.start("--interval", "1").wait_ready()
    hub.admin_token = (hub.data_dir / "admin-token").read_text().strip()
    hub.machine_id = wait_for(lambda: (this_machine(hub) or {}).get("machine_id"), 20, "this machine in the hub")
    yield hub
    hub.kill()


class ControlStream:
    """One open ManageStream: `send` a command, then `receive` its response, while the stream stays open."""

    def __init__(self, stub, token):
        self.outbox = queue.Queue()
        self.call = stub.ManageStream(iter(self.outbox.get, None), metadata=[("authorization", f"Bearer {token}")],
                                      timeout=60)

    def ask(self, command):
        self.outbox.put(command)
        return next(self.call)

    def close(self):
        self.outbox.put(None)
        assert list(self.call) == []


def tick_times(hub, since_ms):
    """The distinct tick timestamps (ms) of the hub's own machine persisted after `since_ms`, ascending."""
    with read_only(hub.data_dir / "fleetwatch.sqlite") as db:
        rows = db.execute("SELECT DISTINCT ts FROM ticks WHERE machine_id = ? AND ts > ? ORDER BY ts",
                          (hub.machine_id, since_ms)).fetchall()
    return [ts for (ts,) in rows]


def gaps(times):
    return [later - earlier for earlier, later in zip(times, times[1:])]


def test_a_seed_client_changes_the_interval_asks_for_a_snapshot_and_gets_clear_refusals(hub, monitoring):
    pb, pb_grpc = monitoring
    channel = grpc.insecure_channel(f"127.0.0.1:{hub.config_port}")
    stub = pb_grpc.ControlServiceStub(channel)

    # At 1 s first, so the change below is a change.
    start = int(time.time() * 1000)
    before = wait_for(lambda: (t := tick_times(hub, start)) and len(t) >= 4 and t, 30, "four ticks at 1 s")
    assert all(800 <= gap <= 1200 for gap in gaps(before)), gaps(before)

    stream = ControlStream(stub, hub.admin_token)
    answer = stream.ask(pb.Command(machine_id=hub.machine_id, set_interval_seconds=3))
    assert answer.accepted, answer
    assert answer.machine_id == hub.machine_id
    assert "interval 3 s" in answer.detail, answer.detail
    changed = int(time.time() * 1000)

    # The collector now ticks every 3 s: the first tick after the change may still be on the old schedule.
    after = wait_for(lambda: (t := tick_times(hub, changed)) and len(t) >= 5 and t, 60, "five ticks after the change")
    assert all(2700 <= gap <= 3300 for gap in gaps(after[1:])), gaps(after)

    # A snapshot request on the same stream: accepted, and a snapshot newer than the request arrives.
    asked = int(time.time() * 1000)
    answer = stream.ask(pb.Command(machine_id=hub.machine_id, request_snapshot=True))
    assert answer.accepted and "process snapshot" in answer.detail, answer

    def fresh_snapshot():
        status, body = hub.get(f"/api/v1/machines/{hub.machine_id}")
        assert status == 200, body
        processes = body["processes"]
        return processes if processes and processes["t"] >= asked else None

    processes = wait_for(fresh_snapshot, 30, "a process snapshot after the request")
    assert processes["by_cpu"] and processes["by_memory"]

    # What cannot be sent is answered on the stream, which stays open for the next command.
    answer = stream.ask(pb.Command(machine_id=hub.machine_id))
    assert not answer.accepted
    assert answer.detail == "unknown command: set one of set_interval_seconds (1...3600) or request_snapshot (true)"
    answer = stream.ask(pb.Command(machine_id=hub.machine_id, set_interval_seconds=0))
    assert not answer.accepted and "between 1 and 3600, got 0" in answer.detail, answer
    answer = stream.ask(pb.Command(machine_id="nowhere", request_snapshot=True))
    assert not answer.accepted and answer.detail == "collector 'nowhere' is not connected to this edge", answer
    answer = stream.ask(pb.Command(machine_id=hub.machine_id, set_interval_seconds=1))
    assert answer.accepted, answer
    stream.close()


@pytest.mark.parametrize("metadata", [[], [("authorization", "Bearer wrong")]])
def test_the_control_stream_needs_the_admin_token(hub, monitoring, metadata):
    pb, pb_grpc = monitoring
    stub = pb_grpc.ControlServiceStub(grpc.insecure_channel(f"127.0.0.1:{hub.config_port}"))
    call = stub.ManageStream(iter([pb.Command(machine_id=hub.machine_id, request_snapshot=True)]),
                             metadata=metadata, timeout=10)
    with pytest.raises(grpc.RpcError) as refused:
        list(call)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "admin token" in refused.value.details()


def test_the_ingest_edge_serves_the_control_stream_for_its_collectors(stack, monitoring):
    """`fleetwatch ingest` (the distributed edge, on RabbitMQ) serves ManageStream on its gRPC port."""
    pb, pb_grpc = monitoring
    stack.env["FLEETWATCH_ADMIN_TOKEN"] = "control-admin-token"
    stack.pipeline()
    collector = stack.collector("control-m1", interval=1).wait_ready()
    stub = pb_grpc.ControlServiceStub(grpc.insecure_channel(f"127.0.0.1:{stack.ingest_port}"))

    def connected():
        stream = ControlStream(stub, "control-admin-token")
        try:
            return stream.ask(pb.Command(machine_id="control-m1", set_interval_seconds=2))
        finally:
            stream.close()

    answer = wait_for(lambda: (a := connected()).accepted and a, 30, "the collector connected to the edge")
    assert answer.detail == "sent to control-m1: interval 2 s from its next tick"
    wait_for(lambda: "edge changed the tick interval" in collector.tail(200), 20, "the collector applying the interval")
