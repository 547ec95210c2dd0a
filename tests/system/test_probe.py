"""Synthetic transactions (`fleetwatch probe`) against the distributed stack: every hop of the path reports
every probe, the report gives per-hop percentiles, the continuous mode serves its histograms on /metrics,
and the gateway's /api/v1/pipeline shows queue figures from the RabbitMQ management API and the probe's
latencies as this gateway saw them."""
import json
import subprocess

import requests

from conftest import BIN, Process, wait_for

HOPS = ["edge_ack", "normalized", "persisted", "evaluated", "websocket"]


def probe_stack(stack):
    stack.pipeline()
    stack.alert_evaluator().wait_ready()
    gw = stack.gateway()
    gw.wait_ready()
    return gw


def test_probe_report_times_every_hop_of_every_probe(stack):
    gw = probe_stack(stack)
    count = 15
    run = subprocess.run(
        [BIN, "probe", "--report", "--count", str(count), "--interval", "0.2", "--output", "json",
         "--gateway-url", gw.url(""), "--name", "ci"],
        env=stack.env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"probe exited {run.returncode}: {run.stderr[-2000:]}\n{run.stdout}"
    report = json.loads(run.stdout)
    assert report["sent"] == count and report["completed"] == count, report
    assert not any(report["lost"].values()), report["lost"]
    hops = {h["hop"]: h["latency"] for h in report["hops"]}
    assert list(hops) == HOPS, f"hops in path order expected, got {list(hops)}"
    for hop, latency in hops.items():
        assert latency["count"] == count, (hop, latency)
        assert 0 <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"] < 10_000, (hop, latency)
    # The persister commits after the normalizer published: cumulative latencies grow along the path.
    assert hops["persisted"]["p50"] >= hops["normalized"]["p50"] >= hops["edge_ack"]["p50"] - 5, hops

    # The table form names every hop with its percentiles.
    table = subprocess.run(
        [BIN, "probe", "--report", "--count", "3", "--interval", "0.2", "--gateway-url", gw.url(""), "--name", "ci"],
        env=stack.env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr[-2000:]
    for hop in HOPS:
        assert any(line.startswith(hop) for line in table.stdout.splitlines()), table.stdout

    def pipeline_queues():
        answer = requests.get(gw.url("/api/v1/pipeline"), timeout=10).json()
        assert "queues_error" not in answer, answer
        return answer, {q["name"]: q for q in answer["queues"]}

    # The management API refreshes its consumer counts every few seconds.
    wait_for(lambda: all(pipeline_queues()[1].get(name, {}).get("consumers", 0) >= 1
                         for name in ["fleet.normalize", "fleet.persist"]),
             30, "consumers of fleet.normalize and fleet.persist in /api/v1/pipeline")
    pipeline, queues = pipeline_queues()
    for name in ["fleet.normalize", "fleet.persist"]:
        assert queues[name]["dead_lettered"] == 0, queues[name]
    assert any(name.startswith("fleet.alert.p") for name in queues), list(queues)
    seen = {h["hop"]: h["latency"] for h in pipeline["probe"]}
    for hop in ["normalized", "persisted", "evaluated", "websocket"]:
        assert seen.get(hop, {}).get("count", 0) >= count, (hop, seen)


def test_probe_reports_a_missing_hop_as_lost(stack):
    """Without an alert evaluator the evaluated hop never reports: the probe says so and exits 1; with
    --without-alerts the same deployment is healthy."""
    stack.pipeline()
    gw = stack.gateway()
    gw.wait_ready()
    args = [BIN, "probe", "--report", "--count", "3", "--interval", "0.2", "--timeout", "3", "--output", "json",
            "--gateway-url", gw.url(""), "--name", "noalerts"]
    lost = subprocess.run(args, env=stack.env, capture_output=True, text=True, timeout=120)
    assert lost.returncode == 1, f"exit {lost.returncode}: {lost.stderr[-1000:]}"
    assert json.loads(lost.stdout)["lost"] == {"evaluated": 3}, lost.stdout
    healthy = subprocess.run(args + ["--without-alerts"], env=stack.env, capture_output=True, text=True, timeout=120)
    assert healthy.returncode == 0, healthy.stderr[-1000:] + healthy.stdout


def test_continuous_probe_serves_hop_histograms_on_metrics(stack):
    gw = probe_stack(stack)
    probe = Process("probe", ["probe", "--interval", "0.2", "--timeout", "2", "--gateway-url", gw.url(""),
                              "--name", "metrics"], stack.env, stack.dir)
    stack.processes.append(probe.start())
    probe.wait_ready()

    def websocket_count():
        for line in probe.metrics().splitlines():
            if line.startswith('fleetwatch_probe_hop_seconds_count{hop="websocket"}'):
                return float(line.split()[-1])
        return 0

    wait_for(lambda: websocket_count() >= 5, 30, "five probes delivered on the WebSocket, in /metrics")
    text = probe.metrics()
    for hop in HOPS:
        assert f'fleetwatch_probe_hop_seconds_bucket{{hop="{hop}"' in text, f"no histogram for {hop}"

    # Without its gateway the probe keeps running (reconnecting), counts the interruptions and turns unready.
    gw.stop()

    def interruptions():
        for line in probe.metrics().splitlines():
            if line.startswith("fleetwatch_probe_interruptions_total"):
                return float(line.split()[-1])
        return 0

    wait_for(lambda: not probe.ready(), 20, "the probe's /readyz turning 503 without its gateway")
    wait_for(lambda: interruptions() >= 2, 20, "the probe's interruptions counted while it reconnects")
    assert probe.proc.poll() is None, probe.tail()
    probe.stop()
    assert probe.proc.returncode == 0, probe.tail()
