"""The metrics pipeline end to end: collector → ingest → RabbitMQ → normalizer → persister → PostgreSQL."""
import json
import subprocess
import time

from conftest import AMQP_URL, BIN, scalar, sql, wait_for


def sequences(machine):
    return [int(row[0]) for row in sql(f"select sequence from batches_seen where machine_id = '{machine}' order by sequence")]


def rolled_up_closed_minutes(where=""):
    """Waits for the persister's rollup pass to close a minute of the data, then returns (raw samples before the
    minute watermark, their count in samples_1m, their count in samples_1h before the hour watermark,
    raw samples before the hour watermark): rollups are exact for closed buckets, which is what is checked."""
    condition = f"and {where}" if where else ""
    first = scalar(f"select (extract(epoch from min(ts)) * 1000)::bigint from sample_rows where true {condition}")
    minute = "(select watermark from rollup_state where tier = 'm')"
    hour = "(select watermark from rollup_state where tier = 'h')"

    def counts():
        return (
            scalar(f"select count(*) from sample_rows where ts < {minute} {condition}"),
            scalar(f"select coalesce(sum(count), 0) from samples_1m where bucket < {minute} {condition}"),
            scalar(f"select coalesce(sum(count), 0) from samples_1h where bucket < {hour} {condition}"),
            scalar(f"select count(*) from sample_rows where ts < {hour} {condition}"),
        )

    def settled():
        if scalar("select (extract(epoch from watermark) * 1000)::bigint from rollup_state where tier = 'm'") \
                < (first // 60_000 + 1) * 60_000:
            return False
        raw, minutes, _, _ = counts()
        return raw == minutes

    # Samples that arrive after their minute closed are rolled up by the next pass: wait for it to settle.
    wait_for(settled, 120, "the rollup pass to close the data's first minute")
    return counts()


def final_counters(process):
    """The collector's last log line before exit reports what it collected and what the edge acked."""
    for line in reversed(process.log_lines()):
        if line.get("msg") == "collector stopped":
            return line
    raise AssertionError(f"no 'collector stopped' line:\n{process.tail()}")


def test_collector_run_produces_exactly_the_expected_rows(stack):
    stack.pipeline()
    machine = "ci-collector"
    collector = stack.collector(machine, interval=1).wait_ready()
    wait_for(lambda: len(sequences(machine)) >= 30, 60, "30 batches of the collector persisted")
    assert collector.stop() == 0
    counters = final_counters(collector)
    acked = int(counters["acked"])
    assert int(counters["pending"]) == 0, counters
    wait_for(lambda: len(sequences(machine)) >= acked, 30, f"all {acked} acked batches persisted")

    # Every batch exactly once, in an unbroken sequence.
    assert sequences(machine) == list(range(1, acked + 1))
    # One timestamp per batch, and from the second tick on (rates need two readings) the same series every tick.
    per_tick = sql(f"select ts, count(*) from sample_rows where machine_id = '{machine}' group by ts order by ts")
    assert len(per_tick) == acked
    counts = {int(count) for _, count in per_tick[1:]}
    assert len(counts) == 1, f"series per tick vary: {counts}"
    # Rollups counted every raw sample of the closed buckets exactly once.
    raw_minutes, minutes, hours, raw_hours = rolled_up_closed_minutes(f"machine_id = '{machine}'")
    assert raw_minutes > 0 and minutes == raw_minutes
    assert hours == raw_hours

    # Values agree with what the kernel reports.
    meminfo = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    total = int(meminfo["MemTotal"].split()[0]) * 1024
    assert scalar(f"select max(value)::bigint from sample_rows where machine_id = '{machine}' and metric = 'mem.total_bytes'") == total
    cores = len([l for l in open("/proc/stat") if l.startswith("cpu") and l[3].isdigit()])
    cpu_series = scalar(f"select count(distinct labels) from sample_rows where machine_id = '{machine}' and metric = 'cpu.usage_percent'")
    assert cpu_series == cores + 1
    assert scalar(f"select count(*) from sample_rows where machine_id = '{machine}' and metric = 'disk.used_percent' and labels = 'mount=/'") == acked
    assert scalar(f"select count(*) from machines where machine_id = '{machine}'") == 1


def test_persister_killed_mid_stream_loses_and_duplicates_nothing(stack):
    stack.pipeline()
    machines, interval, duration = 20, 0.25, 20
    loadgen = subprocess.Popen(
        [BIN, "loadgen", "--machines", str(machines),
         "--interval", str(interval), "--duration", str(duration), "--json"],
        env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: scalar("select count(*) from batches_seen") > 200, 30, "the persister writing")
    stack.persist.kill()
    time.sleep(2)  # the outage itself: messages pile up in fleet.persist meanwhile
    stack.persist.start().wait_ready()
    out, err = loadgen.communicate(timeout=duration + 120)
    assert loadgen.returncode == 0, err
    report = json.loads(out)
    sent = report["batches_sent"]
    assert report["batches_acked"] == sent

    wait_for(lambda: scalar("select count(*) from batches_seen") >= sent, 60, f"{sent} batches persisted")
    for index in range(machines):
        got = sequences(f"sim-{index}")
        assert got == list(range(1, len(got) + 1)), f"sim-{index} has gaps or duplicates"
    assert scalar("select count(*) from batches_seen") == sent
    per_batch = scalar("select count(*) from sample_rows where machine_id = 'sim-0' and ts = (select min(ts) from sample_rows where machine_id = 'sim-0')")
    assert per_batch > 20
    raw = scalar("select count(*) from sample_rows")
    assert raw == sent * per_batch
    raw_minutes, minutes, hours, raw_hours = rolled_up_closed_minutes()
    assert raw_minutes > 0 and minutes == raw_minutes
    assert hours == raw_hours


def test_broker_outage_is_backfilled_in_order(stack, rabbitmq_node):
    stack.pipeline()
    machine = "ci-outage"
    collector = stack.collector(machine, interval=1).wait_ready()
    wait_for(lambda: len(sequences(machine)) >= 3, 30, "first batches persisted")
    rabbitmq_node("stop_app")
    try:
        wait_for(lambda: not stack.ingest.ready(), 20, "the edge's /readyz reporting the broker outage")
        time.sleep(30)  # the outage under test lasts 30 s; the collector keeps collecting meanwhile
    finally:
        rabbitmq_node("start_app")
    wait_for(lambda: len(sequences(machine)) >= 35, 90, "backfill after the outage")
    assert stack.ingest.ready()
    assert collector.stop() == 0
    counters = final_counters(collector)
    acked = int(counters["acked"])
    wait_for(lambda: len(sequences(machine)) >= acked, 60, f"all {acked} acked batches persisted")
    assert sequences(machine) == list(range(1, acked + 1))
    assert int(counters["dropped"]) == 0


def test_garbage_on_fleet_raw_lands_in_the_dead_letter_queue_with_a_reason(stack):
    stack.pipeline()
    subprocess.run(
        ["amqp-publish", "--url", AMQP_URL.removesuffix("/%2f"), "-e", "fleet.raw", "-r", "raw.proc.garbage",
         "-b", "this is not protobuf \xff"], check=True)
    listing = wait_for(
        lambda: json.loads(stack.cli("dlq", "list", "fleet.normalize", "--json").stdout) or None,
        30, "a message in fleet.normalize.dlq")
    assert len(listing) == 1
    assert "not a decodable" in listing[0]["reason"]
    assert listing[0]["routing_key"] == "raw.proc.garbage"
    # The normalizer keeps going: a real batch still flows through.
    stack.collector("ci-after-poison", interval=1).wait_ready()
    wait_for(lambda: len(sequences("ci-after-poison")) >= 2, 30, "batches after the poison message")
    # Listing does not consume.
    assert len(json.loads(stack.cli("dlq", "list", "fleet.normalize", "--json").stdout)) == 1
    # Replay sends it back into fleet.normalize: still garbage, so the normalizer dead-letters it again.
    assert "replayed 1 message(s)" in stack.cli("dlq", "replay", "fleet.normalize").stdout
    again = wait_for(
        lambda: json.loads(stack.cli("dlq", "list", "fleet.normalize", "--json").stdout) or None,
        30, "the replayed message back in the DLQ")
    assert len(again) == 1 and "not a decodable" in again[0]["reason"]
    assert stack.normalize.proc.poll() is None
    # Purge empties it.
    stack.cli("dlq", "purge", "fleet.normalize")
    assert json.loads(stack.cli("dlq", "list", "fleet.normalize", "--json").stdout) == []


def test_edge_refuses_bad_tokens_and_bad_batches_precisely(stack):
    stack.pipeline()
    env = dict(stack.env, FLEETWATCH_TOKEN="wrong")
    result = subprocess.run([BIN, "loadgen", "--machines", "1", "--duration", "1"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "unauthenticated" in result.stderr.lower() or "token" in result.stderr.lower()
    assert stack.ingest.proc.poll() is None
    metrics = stack.ingest.metrics()
    assert "fleetwatch_ingest_auth_failures_total" in metrics


def test_portable_agent_copied_elsewhere_joins_the_fleet(stack, tmp_path):
    import shutil
    from pathlib import Path
    stack.pipeline()
    agent = tmp_path / "elsewhere" / "fleetwatch-agent"
    agent.parent.mkdir()
    shutil.copy(Path(BIN).parent / "fleetwatch-agent", agent)
    env = dict(stack.env, FLEETWATCH_MACHINE_ID="ci-agent", FLEETWATCH_INTERVAL="1",
               FLEETWATCH_DATA_DIR=str(tmp_path / "agent-data"))
    process = subprocess.Popen([str(agent)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: scalar("select count(*) from machines where machine_id = 'ci-agent'") == 1, 30,
                 "the agent's machine in PostgreSQL")
        wait_for(lambda: len(sequences("ci-agent")) >= 2, 30, "two batches from the agent")
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    assert '"msg":"collector stopped"' in err


def test_operator_changes_a_collector_interval_through_the_edge(stack):
    import urllib.error
    import urllib.request
    stack.env["FLEETWATCH_ADMIN_TOKEN"] = "admin-secret"
    stack.pipeline()
    machine = "ci-command"
    stack.collector(machine, interval=30).wait_ready()
    wait_for(lambda: len(sequences(machine)) >= 1, 30, "the first batch")

    def admin(method, path, token="admin-secret"):
        request = urllib.request.Request(stack.ingest.url(path), method=method)
        request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    assert admin("GET", "/admin/collectors")[1].strip() == f'["{machine}"]'
    assert admin("GET", "/admin/collectors", token="wrong")[0] == 401
    assert admin("POST", f"/admin/collectors/{machine}/interval?seconds=0")[0] == 400
    assert admin("POST", "/admin/collectors/nobody/interval?seconds=1")[0] == 404
    assert admin("POST", f"/admin/collectors/{machine}/interval?seconds=1")[0] == 202
    # At 30 s a second batch would take half a minute; at 1 s, five arrive within seconds.
    wait_for(lambda: len(sequences(machine)) >= 5, 15, "batches at the new 1 s interval")


def test_sigterm_stops_a_consumer_still_waiting_for_its_database(stack):
    stack.env["FLEETWATCH_DATABASE_URL"] = "postgres://fleetwatch@127.0.0.1:1/fleetwatch"
    persist = stack.start("persist-waiting", "persist")
    # postgres-nio's pool keeps a query waiting while it retries connecting: the health server answers
    # "not ready" meanwhile.
    wait_for(lambda: any(line.get("msg") == "health endpoints listening" for line in persist.log_lines()),
             30, "the persister's health endpoints")
    assert not persist.ready()
    assert persist.stop(timeout=15) == 0
