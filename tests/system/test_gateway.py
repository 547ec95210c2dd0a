"""The gateway (REST + WebSocket, docs/api.md) and the config service (gRPC fleet queries, the CLI, the
original `monitoring` contract) against the real pipeline: collector → ingest → RabbitMQ → normalizer →
persister → PostgreSQL, with `fleetwatch gateway` reading history from PostgreSQL and live data from its
own fanout queue."""
import importlib
import json
import math
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import BIN, ROOT, management, require, scalar, sql, wait_for

MACHINE = "ci-gateway"
MiB = 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Helpers


def need(module, package):
    """Imports an optional test dependency: skipped locally when missing, a failure under CI=true."""
    try:
        return importlib.import_module(module)
    except ImportError:
        require(False, f"python module '{module}' missing: pip install {package} (scripts/install-deps)")


def now_ms():
    return int(time.time() * 1000)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def batches(machine):
    return scalar(f"select count(*) from batches_seen where machine_id = '{machine}'")


def start_monitored(stack, machine=MACHINE, gateway=True, min_batches=3):
    """The pipeline, a collector for this machine at 1 s and (optionally) a ready gateway; returns after
    `min_batches` of the collector are in PostgreSQL (from the second tick on, rates are known)."""
    stack.pipeline()
    collector = stack.collector(machine, interval=1).wait_ready()
    gw = stack.gateway().wait_ready() if gateway else None
    wait_for(lambda: batches(machine) >= min_batches, 60, f"{min_batches} batches of {machine} persisted")
    return collector, gw


def get(gw, path, **params):
    return requests.get(gw.url(path), params=params, timeout=15)


def final_acked(collector):
    for line in reversed(collector.log_lines()):
        if line.get("msg") == "collector stopped":
            return int(line["acked"])
    raise AssertionError(f"no 'collector stopped' line:\n{collector.tail()}")


def series(machine, metric, labels):
    """Raw samples of one series as (ms, value), in time order, as the persister wrote them."""
    rows = sql(
        f"select (extract(epoch from ts) * 1000)::bigint, value from sample_rows "
        f"where machine_id = '{machine}' and metric = '{metric}' and labels = '{labels}' order by ts")
    return [(int(ms), float(value)) for ms, value in rows]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


class Live:
    """One WebSocket client of /api/v1/live: blocking receives with a deadline, arrival time per message."""

    def __init__(self, gw, sockopt=()):
        websocket = need("websocket", "websocket-client")
        self.url = gw.url("/api/v1/live").replace("http://", "ws://", 1)
        self.ws = websocket.create_connection(self.url, timeout=10, sockopt=sockopt)
        self.received = []  # (arrival_ms, message)

    def send(self, message):
        self.ws.send(json.dumps(message))

    def subscribe_machine(self, machine):
        self.send({"subscribe": "machine", "machine_id": machine})
        return now_ms()

    def subscribe_fleet(self):
        self.send({"subscribe": "fleet"})
        return now_ms()

    def recv(self, timeout):
        """The next message, or None when nothing arrived within `timeout` seconds."""
        websocket = sys.modules["websocket"]
        self.ws.settimeout(max(0.01, timeout))
        try:
            text = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        arrival = now_ms()
        assert isinstance(text, str), f"expected a text frame, got {type(text).__name__}"
        message = json.loads(text)
        assert isinstance(message, dict) and "type" in message, message
        self.received.append((arrival, message))
        return arrival, message

    def until(self, predicate, timeout, what):
        """Receives until `predicate(message)` holds; returns (arrival_ms, message)."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            got = self.recv(deadline - time.monotonic())
            if got is None:
                break
            seen.append(got[1].get("type"))
            if predicate(got[1]):
                return got
        raise AssertionError(f"no {what} within {timeout}s on {self.url} (types seen: {seen[-20:]})")

    def close(self):
        try:
            self.ws.close(timeout=2)
        except Exception:
            pass


def live_latencies(client, machine, since_ms, ticks, timeout):
    """Receives samples of `machine` taken after `since_ms` until those of `ticks` distinct sample times
    arrived; returns arrival − t (ms) of every such sample."""
    latencies, times = [], set()
    deadline = time.monotonic() + timeout
    while len(times) < ticks:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"live samples of only {len(times)} ticks within {timeout}s"
        got = client.recv(remaining)
        if got is None:
            continue
        arrival, message = got
        if message["type"] != "samples":
            continue
        assert message["machine_id"] == machine, message
        for sample in message["samples"]:
            assert {"metric", "labels", "value", "t"} <= set(sample), sample
            if sample["t"] > since_ms:
                times.add(sample["t"])
                latencies.append(arrival - sample["t"])
    return latencies


def fanout_queues():
    return {q["name"]: q for q in management("GET", "/api/queues/%2f") if q["name"].startswith("fleet.fanout.")}


# --------------------------------------------------------------------------------------------------
# History


def test_history_returns_what_the_persister_wrote(stack):
    collector, gw = start_monitored(stack)
    wait_for(lambda: batches(MACHINE) >= 15, 60, "15 batches of the collector persisted")
    assert collector.stop() == 0
    acked = final_acked(collector)
    wait_for(lambda: batches(MACHINE) >= acked, 30, f"all {acked} acked batches persisted")
    raw = series(MACHINE, "cpu.usage_percent", "cpu=total")
    assert len(raw) >= 14, raw

    response = get(gw, f"/api/v1/machines/{MACHINE}/history", metric="cpu.usage_percent", label="cpu:total",
                   range="1h")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["machine_id"] == MACHINE
    assert body["metric"] == "cpu.usage_percent"
    assert body["labels"] == {"cpu": "total"}
    assert body["to_ms"] - body["from_ms"] == 3_600_000
    assert abs(body["to_ms"] - now_ms()) < 60_000
    assert body["resolution"] == "raw"  # raw retention is 30 days
    assert all(body["from_ms"] <= t < body["to_ms"] for t, _ in raw)

    points = body["points"]
    assert [p["t"] for p in points] == sorted({p["t"] for p in points}), "points not strictly in time order"
    assert sum(p["count"] for p in points) == len(raw), "every stored sample counted exactly once"
    step = body["step_s"]
    if step is None:
        assert [(p["t"], p["avg"], p["min"], p["max"], p["count"]) for p in points] == \
               [(t, v, v, v, 1) for t, v in raw]
    else:
        assert step >= 1
        for p in points:
            members = [v for t, v in raw if p["t"] <= t < p["t"] + step * 1000]
            assert p["count"] == len(members), (p, members)
            assert close(p["min"], min(members)) and close(p["max"], max(members)), (p, members)
            assert math.isclose(p["avg"], sum(members) / len(members), rel_tol=1e-9), (p, members)

    # A short from/to range is answered with the stored points themselves (step_s null), RFC 3339 or ms.
    first, last = raw[0][0], raw[-1][0]
    response = get(gw, f"/api/v1/machines/{MACHINE}/history", metric="cpu.usage_percent", label="cpu:total",
                   **{"from": str(first), "to": str(last + 1)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_ms"], body["to_ms"]) == (first, last + 1)
    assert body["resolution"] == "raw" and body["step_s"] is None, body
    assert [(p["t"], p["avg"], p["min"], p["max"], p["count"]) for p in body["points"]] == \
           [(t, v, v, v, 1) for t, v in raw]
    rfc3339 = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(first // 1000)) + f".{first % 1000:03d}Z"
    response = get(gw, f"/api/v1/machines/{MACHINE}/history", metric="cpu.usage_percent", label="cpu:total",
                   **{"from": rfc3339, "to": str(last + 1)})
    assert response.status_code == 200, response.text
    assert response.json()["from_ms"] == first

    # Long ranges come from the rollups, which count every raw sample exactly once.
    values = [v for _, v in raw]
    for range_, allowed in [("7d", {"minute", "hour"}), ("30d", {"hour"})]:
        response = get(gw, f"/api/v1/machines/{MACHINE}/history", metric="cpu.usage_percent", label="cpu:total",
                       range=range_)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["resolution"] in allowed, f"range={range_}: resolution {body['resolution']}, expected {allowed}"
        width = {"minute": 60, "hour": 3600}[body["resolution"]]
        assert body["step_s"] is not None and body["step_s"] % width == 0, body["step_s"]
        points = body["points"]
        assert all(p["t"] % (width * 1000) == 0 for p in points), [p["t"] for p in points]
        assert sum(p["count"] for p in points) == len(raw), f"range={range_}"
        assert close(min(p["min"] for p in points), min(values))
        assert close(max(p["max"] for p in points), max(values))
        total = sum(p["avg"] * p["count"] for p in points)
        assert math.isclose(total, sum(values), rel_tol=1e-9), f"range={range_}"


def test_bad_history_parameters_are_400_with_the_parameter_named(stack):
    _, gw = start_monitored(stack, min_batches=1)
    path = f"/api/v1/machines/{MACHINE}/history"
    now = now_ms()
    cases = [
        ({}, {"metric"}),
        ({"metric": "cpu.bogus"}, {"metric"}),
        ({"metric": "CPU Usage"}, {"metric"}),
        ({"metric": "cpu.usage_percent", "label": "cpu"}, {"label"}),
        ({"metric": "cpu.usage_percent", "from": str(now), "to": str(now - 60_000)}, {"from", "to"}),
        ({"metric": "cpu.usage_percent", "from": str(now), "to": str(now)}, {"from", "to"}),
        ({"metric": "cpu.usage_percent", "from": "yesterday"}, {"from"}),
        ({"metric": "cpu.usage_percent", "to": "2026-13-45T99:00:00Z"}, {"to"}),
        ({"metric": "cpu.usage_percent", "step": "10x"}, {"step"}),
        ({"metric": "cpu.usage_percent", "step": "soon"}, {"step"}),
        ({"metric": "cpu.usage_percent", "range": "forever"}, {"range"}),
        ({"metric": "cpu.usage_percent", "range": "401d"}, {"range"}),
        ({"metric": "cpu.usage_percent", "range": "30d", "step": "1s"}, {"step", "range"}),  # 2.6M points
    ]
    for params, parameters in cases:
        response = get(gw, path, **params)
        assert response.status_code == 400, f"{params}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/json"), params
        body = response.json()
        assert isinstance(body.get("error"), str) and body["error"], f"{params}: {body}"
        assert body.get("parameter") in parameters, f"{params}: parameter {body.get('parameter')!r}, expected {parameters}"

    # Unknown machines are 404, with JSON that carries the id as data (never markup).
    for path in ["/api/v1/machines/nobody", "/api/v1/machines/nobody/history?metric=cpu.usage_percent",
                 "/api/v1/machines/%3Cscript%3Ealert(1)%3C%2Fscript%3E"]:
        response = requests.get(gw.url(path), timeout=15)
        assert response.status_code == 404, f"{path}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/json"), path
        assert isinstance(response.json().get("error"), str), response.text

    assert requests.get(gw.url("/healthz"), timeout=5).status_code == 200
    assert gw.ready()
    assert get(gw, f"/api/v1/machines/{MACHINE}/history", metric="cpu.usage_percent").status_code == 200


# --------------------------------------------------------------------------------------------------
# Machines


def test_machines_list_and_detail_describe_the_collector_machine(stack):
    collector, gw = start_monitored(stack)

    def listed():
        body = get(gw, "/api/v1/machines").json()
        found = [m for m in body["machines"] if m["machine_id"] == MACHINE]
        if found and found[0]["summary"]["cpu_percent"] is not None and found[0]["summary"]["mem_percent"] is not None:
            return body, found[0]
        return None

    body, machine = wait_for(listed, 30, f"{MACHINE} listed with a cpu and mem summary")
    assert abs(body["now_ms"] - now_ms()) < 5_000
    assert body["stale_after_s"] == 15 and body["offline_after_s"] == 60
    assert machine["status"] == "online"
    assert 0 <= body["now_ms"] - machine["last_seen_ms"] < 15_000
    assert machine["hostname"] == open("/proc/sys/kernel/hostname").read().strip()
    cores = len([l for l in open("/proc/stat") if l.startswith("cpu") and l[3].isdigit()])
    assert machine["cores"] == cores
    summary = machine["summary"]
    assert 0 <= summary["cpu_percent"] <= 100
    assert 0 < summary["mem_percent"] < 100
    if summary["disk_percent"] is not None:
        assert 0 <= summary["disk_percent"] <= 100
    if summary["load_1m"] is not None:
        assert summary["load_1m"] >= 0

    def detailed():
        response = get(gw, f"/api/v1/machines/{MACHINE}")
        assert response.status_code == 200, response.text
        detail = response.json()
        return detail if detail["processes"] is not None else None

    detail = wait_for(detailed, 30, "machine detail with a process snapshot")
    assert detail["machine"]["machine_id"] == MACHINE
    latest = {(s["metric"], json.dumps(s["labels"], sort_keys=True)): s for s in detail["latest"]}
    meminfo = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    total = int(meminfo["MemTotal"].split()[0]) * 1024
    assert latest[("mem.total_bytes", "{}")]["value"] == total
    cpu = latest[("cpu.usage_percent", json.dumps({"cpu": "total"}))]
    assert 0 <= cpu["value"] <= 100 and 0 <= now_ms() - cpu["t"] < 15_000
    assert ("disk.used_percent", json.dumps({"mount": "/"})) in latest
    processes = detail["processes"]
    assert 0 <= now_ms() - processes["t"] < 15_000
    for ranking in ("by_cpu", "by_memory"):
        assert processes[ranking], ranking
        for p in processes[ranking]:
            assert isinstance(p["pid"], int) and p["pid"] > 0 and isinstance(p["name"], str)
            assert p["cpu_percent"] >= 0 and p["rss_bytes"] >= 0
    rss = [p["rss_bytes"] for p in processes["by_memory"]]
    assert rss == sorted(rss, reverse=True)


# --------------------------------------------------------------------------------------------------
# WebSocket


def test_live_machine_subscription_delivers_samples_within_a_second(stack):
    _, gw = start_monitored(stack)
    client = Live(gw)
    try:
        subscribed = client.subscribe_machine(MACHINE)
        _, hello = client.until(lambda m: True, 10, "a first message")
        assert hello["type"] == "hello", hello
        assert hello["stale_after_s"] == 15 and hello["offline_after_s"] == 60
        assert isinstance(hello["gateway"], str) and hello["gateway"]
        _, machines = client.until(lambda m: m["type"] == "machines", 10, "the machines message")
        assert [m["machine_id"] for m in machines["machines"]] == [MACHINE]
        _, snapshot = client.until(lambda m: m["type"] == "samples", 10, "the snapshot of latest values")
        assert snapshot["machine_id"] == MACHINE
        metrics = {s["metric"] for s in snapshot["samples"]}
        assert {"cpu.usage_percent", "mem.total_bytes", "mem.used_percent"} <= metrics, metrics

        latencies = live_latencies(client, MACHINE, subscribed, ticks=10, timeout=40)
        assert len(latencies) >= 10 * 15, f"only {len(latencies)} samples in 10 ticks of the collector"
        p95 = percentile(latencies, 0.95)
        assert p95 < 1000, f"sample → WebSocket p95 {p95} ms (p50 {percentile(latencies, 0.5)}, max {max(latencies)})"
        assert min(latencies) >= -50, f"a sample arrived {-min(latencies)} ms before it was taken"
        assert any(m["type"] == "processes" for _, m in client.received), "no processes message"

        # Another subscription replaces the first one.
        client.subscribe_fleet()
        _, fleet = client.until(lambda m: m["type"] == "machines", 10, "the fleet's machines message")
        assert MACHINE in [m["machine_id"] for m in fleet["machines"]]
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            got = client.recv(deadline - time.monotonic())
            assert got is None or got[1]["type"] != "samples", f"samples after switching to the fleet: {got}"

        client.send({"subscribe": "nonsense"})
        _, error = client.until(lambda m: m["type"] == "error", 10, "an error for an unknown subscription")
        assert "nonsense" in error["error"]
        client.ws.send("{not json")
        client.until(lambda m: m["type"] == "error", 10, "an error for a message that is not JSON")
        client.subscribe_machine(MACHINE)  # the connection still serves
        client.until(lambda m: m["type"] == "samples", 10, "samples after the errors")
    finally:
        client.close()
    assert gw.ready()


def server_send_queue(client):
    """Bytes the gateway's kernel holds for `client` and the client has not read (Send-Q of the server side)."""
    port = client.ws.sock.getsockname()[1]
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( dport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    return max((int(row.split()[1]) for row in out.splitlines() if row.strip()), default=0)


def test_a_client_that_never_reads_does_not_slow_the_others(stack):
    """One client subscribes to the fleet with a tiny receive buffer and never reads, and keeps asking for
    the whole fleet again (each request is a full `machines` message) — tens of MiB it never takes —
    while loadgen adds 100 machines @ 1 s. (The rate stays within what the debug edge carries on two
    cores: at 400 batches/s the edge itself queues for seconds and the latency measured is the edge's.)
    A normal client's samples keep arriving promptly, the gateway's memory stays bounded, and once the
    slow client reads it gets the latest state of every machine, not a backlog."""
    _, gw = start_monitored(stack)
    slow = Live(gw, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    fast = Live(gw)
    try:
        slow.subscribe_fleet()
        subscribed = fast.subscribe_machine(MACHINE)
        fast.until(lambda m: m["type"] == "samples", 15, "the snapshot")

        machines, result = 100, {}
        loadgen = threading.Thread(target=lambda: result.update(run=stack.loadgen(machines, 1, 20)))
        loadgen.start()
        wait_for(lambda: len(get(gw, "/api/v1/machines").json()["machines"]) > machines // 2, 30,
                 "loadgen's machines known to the gateway")
        snapshot_bytes = len(get(gw, "/api/v1/machines").content)
        hostnames = [m["hostname"] for m in get(gw, "/api/v1/machines").json()["machines"]]
        assert hostnames == sorted(hostnames), "machines are not sorted by hostname"
        latencies, peak_rss, asked, peak_queue = [], 0, 0, 0
        while loadgen.is_alive():
            for _ in range(40):
                slow.subscribe_fleet()
                asked += 1
            got = fast.recv(5)
            assert got is not None, "the normal client received nothing for 5 s during the load"
            arrival, message = got
            if message["type"] == "samples":
                latencies += [arrival - s["t"] for s in message["samples"] if s["t"] > subscribed]
            peak_rss = max(peak_rss, rss_bytes(gw.proc.pid))
            peak_queue = max(peak_queue, server_send_queue(slow))
            assert gw.proc.poll() is None, gw.tail()
        loadgen.join()
        run = result["run"]
        assert run.returncode == 0, run.stderr[-2000:]
        assert asked * snapshot_bytes > 20 * MiB, f"the slow client asked for only {asked} × {snapshot_bytes} B"
        assert peak_queue > 256 * 1024, f"the slow client's connection never backed up (Send-Q ≤ {peak_queue} B)"
        assert len(latencies) >= 100, f"only {len(latencies)} live samples during the load"
        p95 = percentile(latencies, 0.95)
        assert p95 < 1000, (f"normal client p95 {p95} ms beside a client that never reads "
                            f"(p50 {percentile(latencies, 0.5)}, max {max(latencies)})")
        assert peak_rss < 300 * MiB, f"gateway RSS reached {peak_rss / MiB:.0f} MiB"
        assert gw.ready()

        # Coalesced, not queued: what the slow client reads now is what the kernel held plus about one
        # message per machine, and it covers every machine. Reading stops once every machine has been
        # seen (or nothing more arrives for 3 s); the byte count is what proves there was no backlog —
        # not the time between receives, which a busy CI machine stretches at random.
        queued = server_send_queue(slow)
        seen, drained, deadline = set(), 0, time.monotonic() + 60
        while time.monotonic() < deadline and len(seen) < machines + 1:
            got = slow.recv(3)
            if got is None:
                break
            drained += len(json.dumps(got[1]))
            if got[1]["type"] == "machines":
                seen.update(m["machine_id"] for m in got[1]["machines"])
        else:
            if len(seen) < machines + 1:
                raise AssertionError(f"the slow client was still reading after 60 s ({drained / MiB:.1f} MiB)")
        allowance = queued + 64 * 1024 + 3 * snapshot_bytes + MiB
        assert drained <= allowance, (f"the slow client read {drained / MiB:.1f} MiB after the load; the kernel held "
                                      f"{queued / MiB:.1f} MiB: the gateway queued a backlog for it")
        assert len(seen) >= machines + 1, f"the slow client saw {len(seen)} machines"
    finally:
        slow.close()
        fast.close()


def test_two_gateway_replicas_each_have_their_own_fanout_queue(stack):
    stack.pipeline()
    stack.collector(MACHINE, interval=1).wait_ready()
    wait_for(lambda: batches(MACHINE) >= 2, 60, "batches of the collector persisted")
    before = set(fanout_queues())
    gw_a = stack.gateway("gateway-a").wait_ready()
    gw_b = stack.gateway("gateway-b").wait_ready()

    def new_queues(count):
        queues = {name: queue for name, queue in fanout_queues().items() if name not in before}
        return queues if len(queues) == count else None

    queues = wait_for(lambda: new_queues(2), 30, "two new fleet.fanout.* queues")
    for name, queue in queues.items():
        assert queue["exclusive"] is True, (name, queue)
        arguments = queue["arguments"]
        assert arguments.get("x-message-ttl", 0) > 0, (name, arguments)
        assert arguments.get("x-max-length", 0) > 0, (name, arguments)

    clients = {}
    try:
        for name, gw in [("a", gw_a), ("b", gw_b)]:
            client = clients[name] = Live(gw)
            subscribed = client.subscribe_machine(MACHINE)
            _, hello = client.until(lambda m: m["type"] == "hello", 10, "hello")
            client.gateway_id = hello["gateway"]
            assert live_latencies(client, MACHINE, subscribed, ticks=2, timeout=20)
        assert clients["a"].gateway_id != clients["b"].gateway_id

        assert gw_a.stop() == 0
        remaining = set(wait_for(lambda: new_queues(1), 30, "gateway-a's fanout queue deleted"))
        owned = {c.gateway_id: c for c in clients.values() if any(n.endswith(c.gateway_id) for n in queues)}
        if len(owned) == 2:  # the queue is named after the instance: the one left is b's
            assert remaining.pop().endswith(clients["b"].gateway_id)
        assert live_latencies(clients["b"], MACHINE, now_ms(), ticks=2, timeout=20)
        assert gw_b.ready()
    finally:
        for client in clients.values():
            client.close()


# --------------------------------------------------------------------------------------------------
# HTTP hygiene


def documented_paths():
    """Every path docs/api.md names: section headings (`## GET /api/v1/machines`) and list items
    (`- `POST /api/v1/rules` …`), query strings left off."""
    text = (ROOT / "docs/api.md").read_text()
    paths = re.findall(r"^## (?:GET|POST|PUT|DELETE|WebSocket) (/\S+)", text, re.M)
    paths += re.findall(r"`(?:GET|POST|PUT|DELETE) (/api/[^\s?`]+)", text)
    assert len(paths) >= 4, paths
    return sorted(set(paths))


def test_security_headers_and_the_openapi_document(stack):
    gw = stack.gateway().wait_ready()
    response = requests.get(gw.url("/"), timeout=10)
    if (ROOT / "web/index.html").exists():
        assert response.status_code == 200
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert "'self'" in directives.get("script-src", directives.get("default-src", [])), csp
    assert "script-src 'self'" in csp, csp
    script_src = directives.get("script-src", [])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src and "*" not in script_src, csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    api = requests.get(gw.url("/api/v1/machines"), timeout=10)
    assert api.status_code == 200 and api.headers.get("X-Content-Type-Options") == "nosniff"

    response = requests.get(gw.url("/api/v1/openapi.json"), timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"]), document.get("openapi")
    served = {re.sub(r"\{[^}]*\}", "{}", p) for p in document["paths"]}
    for path in documented_paths():
        assert re.sub(r"\{[^}]*\}", "{}", path) in served, f"{path} missing from openapi.json: {sorted(document['paths'])}"


# --------------------------------------------------------------------------------------------------
# Config service: the CLI and the original gRPC contract


def read_lines(process, count, timeout):
    """Up to `count` lines of a running process's stdout, waiting at most `timeout` seconds in all."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    lines, deadline = [], time.monotonic() + timeout
    while len(lines) < count and time.monotonic() < deadline:
        if selector.select(deadline - time.monotonic()):
            line = process.stdout.readline()
            assert line, f"the process ended early ({process.poll()}): {process.stderr.read()[-2000:]}"
            lines.append(line)
    return lines


def test_cli_lists_machines_and_tails_live_samples_over_grpc(stack):
    start_monitored(stack, gateway=False)
    stack.config_service().wait_ready()

    table = stack.cli("machines").stdout.splitlines()
    assert table[0].split()[:3] == ["MACHINE", "HOSTNAME", "STATUS"], table
    row = [line.split() for line in table if line.split()[:1] == [MACHINE]]
    assert row and row[0][2] == "online", table
    listing = json.loads(stack.cli("machines", "--output", "json").stdout)
    ours = [m for m in listing["machines"] if m["machine_id"] == MACHINE]
    assert ours, listing
    assert ours[0]["status"] == "online"
    assert 0 <= ours[0]["summary"]["cpu_percent"] <= 100

    for output in ("table", "json"):
        tail = subprocess.Popen([BIN, "tail", MACHINE, "--output", output], env=stack.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            lines = read_lines(tail, 40, 20)
        finally:
            tail.terminate()
            tail.wait(15)
        assert len(lines) >= 5, f"fleetwatch tail --output {output} printed {lines} within 20 s"
        if output == "table":
            assert any("cpu.usage_percent{cpu=total}" in line for line in lines), lines
        else:
            # One JSON object per line: a sample ({machine_id, metric, labels, value, t}) or another event
            # (machine, processes, notice) in the protobuf JSON mapping.
            events = [json.loads(line) for line in lines]
            samples = [e for e in events if "metric" in e]
            assert all(s["machine_id"] == MACHINE for s in samples)
            assert "cpu.usage_percent" in {s["metric"] for s in samples}, events
            # A reading of 0 is a value like any other: a JSON consumer must not find it missing.
            assert all("value" in s for s in samples), [s for s in samples if "value" not in s][:3]
        assert tail.returncode in (0, -signal.SIGTERM), tail.returncode


def monitoring_stubs(tmp_path):
    """Python stubs of proto/monitoring/monitoring.proto, generated into tmp_path with grpc_tools."""
    need("grpc_tools", "grpcio-tools")
    need("grpc", "grpcio")
    proto = ROOT / "proto/monitoring/monitoring.proto"
    require(proto.exists(), f"{proto} missing")
    out = tmp_path / "stubs"
    out.mkdir()
    # `python -m grpc_tools.protoc` adds the well-known types' include path itself.
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}",
                    f"--grpc_python_out={out}", str(proto)], check=True, capture_output=True, text=True)
    sys.path.insert(0, str(out))
    try:
        for name in [n for n in sys.modules if n == "monitoring" or n.startswith("monitoring.")]:
            del sys.modules[name]
        return (importlib.import_module("monitoring.monitoring_pb2"),
                importlib.import_module("monitoring.monitoring_pb2_grpc"))
    finally:
        sys.path.remove(str(out))


def test_original_monitoring_contract_from_a_python_grpc_client(stack, tmp_path):
    pb, rpc = monitoring_stubs(tmp_path)
    import grpc
    collector, _ = start_monitored(stack, gateway=False)
    stack.config_service().wait_ready()
    channel = grpc.insecure_channel(stack.env["FLEETWATCH_CONFIG_LISTEN"])
    try:
        stub = rpc.MetricsServiceStub(channel)
        state = stub.GetCurrentState(pb.StateRequest(machine_id=MACHINE), timeout=15)
        assert state.machine_id == MACHINE
        last_seen = state.last_seen if state.last_seen > 10**11 else state.last_seen * 1000  # ms or s
        assert 0 <= now_ms() - last_seen < 15_000, state.last_seen
        by_type = {pb.MetricType.Name(m.type): m for m in state.current_metrics}
        assert {"CPU_PERCENT", "MEMORY_PERCENT", "MEMORY_USED_GB", "DISK_PERCENT"} <= set(by_type), by_type.keys()
        assert 0 <= by_type["CPU_PERCENT"].value <= 100
        assert 0 < by_type["MEMORY_PERCENT"].value < 100
        meminfo = dict(line.split(":", 1) for line in open("/proc/meminfo"))
        assert 0 < by_type["MEMORY_USED_GB"].value < int(meminfo["MemTotal"].split()[0]) / 1024 / 1024 * 1.08
        assert all(m.machine_id == MACHINE for m in state.current_metrics)
        assert pb.HealthStatus.Name(state.health) == "HEALTHY"

        with pytest.raises(grpc.RpcError) as missing:
            stub.GetCurrentState(pb.StateRequest(machine_id="nobody"), timeout=15)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND, missing.value

        call = stub.StreamMetrics(pb.MetricsRequest(machine_id=MACHINE, interval_seconds=1), timeout=60)
        received = []
        try:
            for metric in call:
                received.append(metric)
                if len({m.timestamp for m in received}) >= 3:  # three ticks of the collector
                    break
        finally:
            call.cancel()
        assert all(m.machine_id == MACHINE for m in received)
        assert {pb.MetricType.Name(m.type) for m in received} >= {"CPU_PERCENT", "MEMORY_PERCENT"}

        # Silent for longer than stale_after_s (15 s): UNKNOWN.
        assert collector.stop() == 0
        wait_for(lambda: pb.HealthStatus.Name(
            stub.GetCurrentState(pb.StateRequest(machine_id=MACHINE), timeout=15).health) == "UNKNOWN",
            40, "health UNKNOWN once the machine is stale", interval=1)
    finally:
        channel.close()
