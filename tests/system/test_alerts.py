"""Alerts end to end against real RabbitMQ and PostgreSQL: rules in the config service (CLI and the gateway's
REST API), the evaluator (`fleetwatch alert`) on the fleet.alert partitions with a real collector and with
loadgen, two evaluator replicas of which one is SIGKILLed, and webhooks (delivered, and dead-lettered when
they keep failing).

The alert partitions and fleet.notify are shared by every evaluator on the broker: an evaluator that is not
this test's would take partitions over, so the evaluator tests first check that none is consuming them."""
import json
import re
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from conftest import BIN, free_port, management, require, scalar, sql, wait_for
from test_gateway import Live

MACHINE = "ci-alerts"
ADMIN = "test-admin-token"
FIRING, PENDING, RESOLVED, INACTIVE = 3, 2, 4, 1
PARTITIONS = 4


# --------------------------------------------------------------------------------------------------
# Helpers


def run(stack, *args, env=None):
    """`fleetwatch ARGS` with the stack's environment (or `env`); never raises on a non-zero exit."""
    return subprocess.run([BIN, *args], env=env or stack.env, capture_output=True, text=True, timeout=60)


def ok(result):
    assert result.returncode == 0, f"{' '.join(result.args[1:])} exited {result.returncode}: {result.stderr}"
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def create_rule(stack, *fields):
    return as_json(run(stack, "rules", "create", *fields, "--output", "json"))


def version(rule):
    """The rule's version (an int64: a string in canonical proto JSON, a number in the CLI's)."""
    return int(rule.get("version", 0))


def cli_alerts(stack, *args):
    """`fleetwatch alerts list ARGS --output json` (proto JSON leaves an empty list out)."""
    return as_json(run(stack, "alerts", "list", *args, "--output", "json")).get("alerts", [])


def alerts_of(rule_id, status=None):
    where = f"rule_id = '{rule_id}'" + (f" and status = {status}" if status else "")
    return sql(f"select id, machine_id, status from alerts where {where} order by started_ms")


def start_batches(machine):
    return scalar(f"select count(*) from batches_seen where machine_id = '{machine}'")


def require_free_alert_partitions():
    """No evaluator outside this test may be consuming the alert partitions or fleet.notify: with
    single-active-consumer it would own the partitions and evaluate with its own rules."""
    def busy():
        out = {}
        for queue in [f"fleet.alert.p{n}" for n in range(PARTITIONS)] + ["fleet.notify"]:
            found = management("GET", f"/api/queues/%2f/{queue}", missing_ok=True)
            if found and found.get("consumer_details"):
                out[queue] = [channel(c).get("connection_name") for c in found["consumer_details"]]
        return out

    # The previous test's evaluators were just stopped: the broker may still be closing their channels.
    deadline = time.monotonic() + 15
    while (held := busy()) and time.monotonic() < deadline:
        time.sleep(0.5)
    require(not held, f"another alert evaluator is consuming {held} on this broker (stop it first)")


def channel(consumer):
    """A consumer's channel details (the management API gives [] while it does not know them)."""
    details = consumer.get("channel_details")
    return details if isinstance(details, dict) else {}


def partition_consumers():
    """Per alert partition: [(consumer tag, client port, active)] from the management API."""
    out = {}
    for n in range(PARTITIONS):
        queue = management("GET", f"/api/queues/%2f/fleet.alert.p{n}")
        out[queue["name"]] = [
            (c["consumer_tag"], channel(c).get("peer_port"), c.get("active", True))
            for c in queue.get("consumer_details", [])]
    return out


def broker_ports(pid):
    """Local ports of the AMQP connections of process `pid` (ss -p; empty when ss cannot name processes)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", "( dport = :5672 )"],
                         capture_output=True, text=True, check=True).stdout
    ports = set()
    for line in out.splitlines():
        if f"pid={pid}," in line:
            local = line.split()[2]
            ports.add(int(local.rsplit(":", 1)[1]))
    return ports


def partition_messages():
    return sum(q.get("messages", 0) for q in management("GET", "/api/queues/%2f")
               if re.fullmatch(r"fleet\.alert\.p\d+", q["name"]))


# --------------------------------------------------------------------------------------------------
# Rules through the CLI


def test_rule_crud_through_the_cli_with_exit_codes(stack):
    config = stack.config_service(admin_token=ADMIN).wait_ready()

    # Create, as a table and as JSON (proto field names and enum names).
    table = ok(run(stack, "rules", "create", "--name", "disk full", "--metric", "disk.used_percent", "--op", ">=",
                   "--threshold", "90", "--for", "1m", "--match", "mount=/")).stdout.splitlines()
    assert table[0].split() == ["ID", "NAME", "CONDITION", "FOR", "MATCH", "SEVERITY", "ENABLED", "VERSION"], table
    first_id = table[1].split()[0]
    assert "disk full" in table[1] and "disk.used_percent >= 90" in table[1] and "60s" in table[1], table
    assert "mount=/" in table[1] and table[1].split()[-1] == "1", table

    rule = create_rule(stack, "--name", "cpu high", "--metric", "cpu.usage_percent", "--op", ">", "--threshold", "80",
                       "--resolve", "75", "--for", "15s", "--match", "cpu=total", "--severity", "critical",
                       "--description", "{{hostname}} at {{value}}")
    assert re.fullmatch(r"[0-9a-f-]{36}", rule["id"]), rule
    assert rule["name"] == "cpu high" and rule["metric"] == "cpu.usage_percent"
    assert rule["comparator"] == ">"
    assert rule["threshold"] == 80 and rule["resolve_threshold"] == 75
    assert rule["matchers"] == {"cpu": "total"} and rule["for_seconds"] == 15
    assert rule["severity"] == "critical" and rule["enabled"] is True
    assert rule["description"] == "{{hostname}} at {{value}}"
    assert version(rule) == 1 and int(rule["created_ms"]) > 0
    rule_id = rule["id"]

    # Refused: an unknown metric (65, naming the field), a resolve threshold on the firing side, bad usage (64).
    bad = run(stack, "rules", "create", "--name", "x", "--metric", "cpu.bogus", "--op", ">", "--threshold", "1")
    assert bad.returncode == 65, (bad.returncode, bad.stderr)
    assert "metric" in bad.stderr, bad.stderr
    bad = run(stack, "rules", "create", "--name", "x", "--metric", "cpu.usage_percent", "--op", ">", "--threshold",
              "80", "--resolve", "90")
    assert bad.returncode == 65 and "resolve_threshold" in bad.stderr, (bad.returncode, bad.stderr)
    bad = run(stack, "rules", "create", "--name", "x", "--metric", "cpu.usage_percent", "--op", "~", "--threshold", "1")
    assert bad.returncode == 64, (bad.returncode, bad.stderr)

    # The admin token: missing or wrong is 4, and nothing was created.
    env = {k: v for k, v in stack.env.items() if not k.startswith("FLEETWATCH_ADMIN_TOKEN")}
    fields = ["--name", "sneaky", "--metric", "load.1m", "--op", ">", "--threshold", "4"]
    missing = run(stack, "rules", "create", *fields, env=env)
    assert missing.returncode == 4, (missing.returncode, missing.stderr)
    assert "token" in missing.stderr.lower(), missing.stderr
    wrong = run(stack, "rules", "create", *fields, "--admin-token", "wrong", env=env)
    assert wrong.returncode == 4, (wrong.returncode, wrong.stderr)
    for args in (["update", rule_id, "--threshold", "1"], ["delete", rule_id]):
        refused = run(stack, "rules", *args, env=env)
        assert refused.returncode == 4, (args, refused.returncode, refused.stderr)

    # Get and list.
    assert as_json(run(stack, "rules", "get", rule_id, "--output", "json")) == rule
    shown = ok(run(stack, "rules", "get", rule_id)).stdout
    assert rule_id in shown and "cpu.usage_percent > 80" in shown and "critical" in shown, shown
    missing = run(stack, "rules", "get", "no-such-rule")
    assert missing.returncode == 2, (missing.returncode, missing.stderr)
    listed = as_json(run(stack, "rules", "list", "--output", "json"))["rules"]
    assert sorted(r["id"] for r in listed) == sorted([first_id, rule_id])
    assert {r["name"] for r in listed} == {"disk full", "cpu high"}
    table = ok(run(stack, "rules", "list")).stdout
    assert "disk full" in table and "cpu high" in table

    # Update with the version read: the next version, only the given fields changed.
    updated = as_json(run(stack, "rules", "update", rule_id, "--rule-version", "1", "--threshold", "90", "--output", "json"))
    assert version(updated) == 2 and updated["threshold"] == 90
    assert {k: v for k, v in updated.items() if k not in ("threshold", "version", "updated_ms")} == \
           {k: v for k, v in rule.items() if k not in ("threshold", "version", "updated_ms")}
    # A stale version is a conflict (3) and changes nothing.
    stale = run(stack, "rules", "update", rule_id, "--rule-version", "1", "--threshold", "95")
    assert stale.returncode == 3, (stale.returncode, stale.stderr)
    assert as_json(run(stack, "rules", "get", rule_id, "--output", "json"))["threshold"] == 90
    # An update that makes the rule invalid is refused (65).
    bad = run(stack, "rules", "update", rule_id, "--metric", "nonsense")
    assert bad.returncode == 65 and "metric" in bad.stderr, (bad.returncode, bad.stderr)
    # Off and on again.
    disabled = as_json(run(stack, "rules", "update", rule_id, "--disable", "--output", "json"))
    assert disabled.get("enabled", False) is False and version(disabled) == 3
    enabled = as_json(run(stack, "rules", "update", rule_id, "--enable", "--output", "json"))
    assert enabled["enabled"] is True and version(enabled) == 4

    # Delete: a stale version is a conflict, the current one deletes, then it is gone (2).
    stale = run(stack, "rules", "delete", rule_id, "--rule-version", "2")
    assert stale.returncode == 3, (stale.returncode, stale.stderr)
    deleted = ok(run(stack, "rules", "delete", rule_id, "--rule-version", "4"))
    assert rule_id in deleted.stdout
    gone = run(stack, "rules", "get", rule_id)
    assert gone.returncode == 2, (gone.returncode, gone.stderr)
    again = run(stack, "rules", "delete", rule_id)
    assert again.returncode == 2, (again.returncode, again.stderr)
    assert [r["id"] for r in as_json(run(stack, "rules", "list", "--output", "json")).get("rules", [])] == [first_id]
    assert scalar("select count(*) from rules") == 1

    # The config service down: 69, saying what it could not reach.
    assert config.stop() == 0
    for args in (["rules", "list"], ["rules", "create", *fields], ["alerts", "list"]):
        down = run(stack, *args)
        assert down.returncode == 69, (args, down.returncode, down.stderr)
        assert stack.env["FLEETWATCH_CONFIG_URL"].removeprefix("http://") in down.stderr, down.stderr


class Lines:
    """The stdout lines of a running process, read by a thread (a select() on a buffered pipe misses lines
    Python already buffered)."""

    def __init__(self, process):
        import queue
        self.process = process
        self.queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.queue.put(line)

    def take(self, count, timeout):
        import queue
        lines, deadline = [], time.monotonic() + timeout
        while len(lines) < count:
            try:
                lines.append(self.queue.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return lines


def test_rules_watch_prints_every_rule_then_every_change(stack):
    config = stack.config_service(admin_token=ADMIN).wait_ready()
    existing = create_rule(stack, "--name", "before", "--metric", "load.1m", "--op", ">", "--threshold", "4")
    watch = subprocess.Popen([BIN, "rules", "watch", "--output", "json"], env=stack.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        lines = Lines(watch)
        first = lines.take(1, 15)
        assert first, f"rules watch printed nothing within 15 s: {watch.poll()}"
        change = json.loads(first[0])
        assert change["kind"] == "created" and change["rule"]["id"] == existing["id"], change
        later = create_rule(stack, "--name", "after", "--metric", "load.1m", "--op", ">", "--threshold", "8")
        ok(run(stack, "rules", "update", later["id"], "--threshold", "9"))
        ok(run(stack, "rules", "delete", existing["id"]))
        changes = [json.loads(line) for line in lines.take(3, 15)]
        assert [(c["kind"], c["rule"]["id"]) for c in changes] == [
            ("created", later["id"]), ("updated", later["id"]), ("deleted", existing["id"])], changes
        assert changes[1]["rule"]["threshold"] == 9 and version(changes[1]["rule"]) == 2
        # The same JSON as `rules create` prints.
        assert changes[0]["rule"] == later, (changes[0]["rule"], later)
    finally:
        watch.terminate()
        watch.wait(15)
    # A watcher that came and went does not keep the config service from stopping.
    assert config.stop() == 0


def test_rule_writes_are_refused_without_a_configured_admin_token(stack):
    for name in ("FLEETWATCH_ADMIN_TOKEN", "FLEETWATCH_ADMIN_TOKEN_FILE"):
        stack.env.pop(name, None)
    stack.config_service(admin_token=None).wait_ready()
    gw = stack.gateway().wait_ready()
    refused = run(stack, "rules", "create", "--name", "x", "--metric", "load.1m", "--op", ">", "--threshold", "4",
                  "--admin-token", "anything")
    assert refused.returncode == 4, (refused.returncode, refused.stderr)
    assert "FLEETWATCH_ADMIN_TOKEN" in refused.stderr, refused.stderr
    response = requests.post(gw.url("/api/v1/rules"), headers={"Authorization": "Bearer anything"}, timeout=15,
                             json={"name": "x", "metric": "load.1m", "comparator": ">", "threshold": 4})
    assert response.status_code == 403, (response.status_code, response.text)
    assert requests.get(gw.url("/api/v1/rules"), timeout=15).json() == {"rules": []}
    assert ok(run(stack, "rules", "list")).returncode == 0


# --------------------------------------------------------------------------------------------------
# Rules and alerts through the gateway


def test_rules_and_alerts_through_the_gateway_rest_api(stack):
    config = stack.config_service(admin_token=ADMIN).wait_ready()
    gw = stack.gateway().wait_ready()
    rules = gw.url("/api/v1/rules")
    auth = {"Authorization": f"Bearer {ADMIN}"}
    body = {"name": "root disk full", "metric": "disk.used_percent", "comparator": ">=", "threshold": 90,
            "resolve_threshold": 85, "matchers": {"mount": "/"}, "for_seconds": 60, "severity": "critical",
            "description": "{{hostname}}: / at {{value}}%"}

    def error(response, status, parameter=None):
        assert response.status_code == status, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json"), response.headers
        payload = response.json()
        assert isinstance(payload.get("error"), str) and payload["error"], payload
        if parameter:
            assert payload.get("parameter") == parameter, (parameter, payload)
        return payload

    # Writes without the token, or with a wrong one: 401.
    error(requests.post(rules, json=body, timeout=15), 401)
    error(requests.post(rules, json=body, headers={"Authorization": "Bearer wrong"}, timeout=15), 401)
    error(requests.post(rules, json=body, headers={"Authorization": ADMIN}, timeout=15), 401)
    # Invalid rules: 400 naming the field.
    for change, parameter in [({"metric": "cpu.bogus"}, "metric"), ({"comparator": "=="}, "comparator"),
                              ({"severity": "dire"}, "severity"), ({"for_seconds": -1}, "for_seconds"),
                              ({"resolve_threshold": 95}, "resolve_threshold"), ({"name": " "}, "name"),
                              ({"matchers": {"bad label": "x"}}, "matchers")]:
        error(requests.post(rules, json={**body, **change}, headers=auth, timeout=15), 400, parameter)
    error(requests.post(rules, data="{not json", headers=auth, timeout=15), 400)
    assert requests.get(rules, timeout=15).json() == {"rules": []}

    # Create: 201 and the rule in the documented shape.
    response = requests.post(rules, json=body, headers=auth, timeout=15)
    assert response.status_code == 201, response.text
    rule = response.json()
    assert {k: rule[k] for k in body} == body, rule
    assert rule["enabled"] is True and rule["version"] == 1 and rule["no_data_seconds"] == 0
    assert rule["created_ms"] == rule["updated_ms"] > 0
    assert isinstance(rule["id"], str) and rule["id"]
    one = gw.url(f"/api/v1/rules/{rule['id']}")
    assert requests.get(one, timeout=15).json() == rule
    assert requests.get(rules, timeout=15).json() == {"rules": [rule]}
    # The CLI reads the same rule from the config service.
    cli_rule = as_json(run(stack, "rules", "get", rule["id"], "--output", "json"))
    assert cli_rule["name"] == "root disk full" and cli_rule["comparator"] == ">="
    assert cli_rule == rule, "the CLI's JSON is REST's (docs/api.md)"
    error(requests.get(gw.url("/api/v1/rules/no-such-rule"), timeout=15), 404)

    # Update: the whole rule with the version read.
    change = {**rule, "threshold": 95, "resolve_threshold": 90}
    error(requests.put(one, json=change, timeout=15), 401)
    error(requests.put(one, json={k: v for k, v in change.items() if k != "version"}, headers=auth, timeout=15),
          400, "version")
    error(requests.put(gw.url("/api/v1/rules/no-such-rule"), json=change, headers=auth, timeout=15), 404)
    response = requests.put(one, json=change, headers=auth, timeout=15)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["version"] == 2 and updated["threshold"] == 95 and updated["resolve_threshold"] == 90
    assert updated["created_ms"] == rule["created_ms"] and updated["updated_ms"] >= rule["updated_ms"]
    # Someone else's change in between: 409, and the rule keeps theirs.
    error(requests.put(one, json={**rule, "threshold": 99}, headers=auth, timeout=15), 409)
    assert requests.get(one, timeout=15).json()["threshold"] == 95
    # Disabled through PUT.
    response = requests.put(one, json={**updated, "enabled": False}, headers=auth, timeout=15)
    assert response.status_code == 200 and response.json()["enabled"] is False and response.json()["version"] == 3

    # Delete: token, version, then gone.
    error(requests.delete(one, params={"version": 3}, timeout=15), 401)
    error(requests.delete(one, params={"version": 2}, headers=auth, timeout=15), 409)
    error(requests.delete(one, params={"version": "three"}, headers=auth, timeout=15), 400, "version")
    response = requests.delete(one, params={"version": 3}, headers=auth, timeout=15)
    assert response.status_code == 204, response.text
    error(requests.get(one, timeout=15), 404)
    error(requests.delete(one, headers=auth, timeout=15), 404)
    assert requests.get(rules, timeout=15).json() == {"rules": []}

    # Alerts: parameters checked, unknown ids 404, an empty history is an empty list.
    assert requests.get(gw.url("/api/v1/alerts"), timeout=15).json() == {"alerts": []}
    for params, parameter in [({"status": "burning"}, "status"), ({"limit": "0"}, "limit"),
                              ({"limit": "1001"}, "limit"), ({"since": "soon"}, "since")]:
        error(requests.get(gw.url("/api/v1/alerts"), params=params, timeout=15), 400, parameter)
    error(requests.get(gw.url("/api/v1/alerts/detail"), timeout=15), 400, "id")
    error(requests.get(gw.url("/api/v1/alerts/detail"), params={"id": "r/m/cpu=total/1"}, timeout=15), 404)

    # The config service down: rules answer 503, the gateway stays up.
    assert config.stop() == 0
    error(requests.get(rules, timeout=30), 503)
    error(requests.post(rules, json=body, headers=auth, timeout=30), 503)
    assert gw.ready()


# --------------------------------------------------------------------------------------------------
# The evaluator with a real collector


def test_alert_fires_and_resolves_live_with_a_real_collector(stack):
    require_free_alert_partitions()
    stack.pipeline()
    stack.config_service(admin_token=ADMIN).wait_ready()
    evaluator = stack.alert_evaluator("alert", PARTITIONS).wait_ready()
    stack.collector(MACHINE, interval=1).wait_ready()
    gw = stack.gateway().wait_ready()
    wait_for(lambda: start_batches(MACHINE) >= 2, 60, f"batches of {MACHINE} persisted")
    live = Live(gw)
    try:
        live.subscribe_fleet()
        live.until(lambda m: m["type"] == "machines", 15, "the fleet's machines message")

        rule = create_rule(stack, "--name", "always busy", "--metric", "cpu.usage_percent", "--op", ">=",
                           "--threshold", "0", "--for", "2s", "--match", "cpu=total", "--severity", "critical",
                           "--description", "{{hostname}} cpu {{labels}} at {{value}}")
        rule_id = rule["id"]

        # Firing in PostgreSQL within 15 s, and exactly one alert: this machine's cpu=total series.
        rows = wait_for(lambda: alerts_of(rule_id, FIRING), 15, "the alert firing in PostgreSQL")
        assert len(rows) == 1 and rows[0][1] == MACHINE, rows
        alert_id = rows[0][0]
        assert alert_id.startswith(f"{rule_id}/{MACHINE}/cpu=total/"), alert_id
        assert [r[0] for r in alerts_of(rule_id)] == [alert_id]

        # The CLI.
        listed = cli_alerts(stack, "--status", "firing")
        assert [a["id"] for a in listed] == [alert_id], listed
        alert = listed[0]
        assert alert["status"] == "firing" and alert["severity"] == "critical"
        assert alert["rule_id"] == rule_id and alert["rule_name"] == "always busy"
        assert alert["machine_id"] == MACHINE and alert["labels"] == {"cpu": "total"}
        hostname = open("/proc/sys/kernel/hostname").read().strip()
        assert alert["hostname"] == hostname
        assert alert["description"].startswith(f"{hostname} cpu cpu=total at "), alert["description"]
        assert cli_alerts(stack, "--status", "resolved") == []
        assert [a["id"] for a in cli_alerts(stack, "--machine", MACHINE, "--rule", rule_id, "--since", "1h")] == [alert_id]
        assert cli_alerts(stack, "--machine", "nobody") == []
        table = ok(run(stack, "alerts", "list", "--status", "firing")).stdout
        assert "firing" in table and "always busy" in table and alert_id in table, table

        # The gateway: REST, the machine's alert counts, and a WebSocket message to fleet subscribers.
        rest = requests.get(gw.url("/api/v1/alerts"), params={"status": "firing"}, timeout=15).json()["alerts"]
        assert [(a["id"], a["status"], a["severity"], a["rule_name"]) for a in rest] == \
               [(alert_id, "firing", "critical", "always busy")], rest

        def machine_alerts():
            machines = requests.get(gw.url("/api/v1/machines"), timeout=15).json()["machines"]
            return next(m["alerts"] for m in machines if m["machine_id"] == MACHINE)

        wait_for(lambda: machine_alerts() == {"firing": 1, "pending": 0, "silenced": 0, "worst": "critical"}, 15,
                 "the machine's alerts showing one critical firing")
        _, message = live.until(lambda m: m["type"] == "alert" and m["alert"]["status"] == "firing", 15,
                                "an alert message with status firing")
        assert message["alert"]["id"] == alert_id and message["alert"]["machine_id"] == MACHINE, message
        assert message["alert"]["labels"] == {"cpu": "total"} and message["alert"]["rule_name"] == "always busy"

        # Change the rule live (no restart): the alert resolves.
        ok(run(stack, "rules", "update", rule_id, "--threshold", "1000"))
        wait_for(lambda: alerts_of(rule_id, RESOLVED), 15, "the alert resolved after the rule changed")
        _, message = live.until(lambda m: m["type"] == "alert" and m["alert"]["status"] == "resolved", 15,
                                "an alert message with status resolved")
        assert message["alert"]["id"] == alert_id
        wait_for(lambda: machine_alerts() == {"firing": 0, "pending": 0, "silenced": 0, "worst": None}, 15,
                 "the machine's alerts back to none")
        assert cli_alerts(stack, "--status", "firing,pending") == []
        assert evaluator.proc.poll() is None

        # Its history, in order: pending → firing → resolved.
        detail = as_json(run(stack, "alerts", "get", alert_id, "--output", "json"))
        steps = [(s["from"], s["to"]) for s in detail["history"]]
        assert steps == [("inactive", "pending"), ("pending", "firing"), ("firing", "resolved")], steps
        times = [int(s["at_ms"]) for s in detail["history"]]
        assert times == sorted(times) and times[1] - times[0] >= 2000, times
        assert detail["status"] == "resolved"
        table = ok(run(stack, "alerts", "get", alert_id)).stdout.splitlines()
        header = next(i for i, line in enumerate(table) if line.split()[:3] == ["AT", "FROM", "TO"])
        assert [line.split()[1:3] for line in table[header + 1:] if line.strip()] == [
            ["inactive", "pending"], ["pending", "firing"], ["firing", "resolved"]], table
        rest = requests.get(gw.url("/api/v1/alerts/detail"), params={"id": alert_id}, timeout=15).json()
        assert [(h["from"], h["to"]) for h in rest["history"]] == [
            ("inactive", "pending"), ("pending", "firing"), ("firing", "resolved")], rest
        assert sql(f"select to_status from alert_transitions where alert_id = '{alert_id}' order by at_ms, to_status") \
            == [[str(PENDING)], [str(FIRING)], [str(RESOLVED)]]
        missing = run(stack, "alerts", "get", "no/such/alert/1")
        assert missing.returncode == 2, (missing.returncode, missing.stderr)
    finally:
        live.close()


# --------------------------------------------------------------------------------------------------
# Two evaluator replicas, one SIGKILLed, with loadgen


class SplitMix64:
    """The generator of Sources/FleetLoadgen/SimulatedMachine.swift, to know each simulated value in advance."""
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def unit(self):
        return (self.next() >> 11) / float(1 << 53)


def simulated_cpu_total(index, seed, batches):
    """cpu.usage_percent{cpu=total} of loadgen's machine sim-<index> for its first `batches` batches, exactly as
    SimulatedMachine computes it (the same random draws in the same order, IEEE doubles) and the normalizer
    scales it (× 100)."""
    random = SplitMix64(seed + index * 0x9E3779B9)

    def walk(value, step, low, high):
        return min(high, max(low, value + (random.unit() * 2 - 1) * step))

    cpu, mem, load, values = [0.2] * 4, 16_384_000.0 * 0.6, 0.5, []
    for _ in range(batches):
        cpu = [walk(c, 0.05, 0.01, 0.99) for c in cpu]
        mem = walk(mem, 16_384_000.0 * 0.01, 16_384_000.0 * 0.1, 16_384_000.0 * 0.9)
        load = walk(load, 0.1, 0, 8)
        for _ in range(1 + 4 + 4 + 1):  # iowait, disk ×4, net ×4, process count
            random.unit()
        total = 0.0
        for c in cpu:
            total += c
        values.append(total / 4 * 100)
    return values


def first_breach(values, threshold):
    return next((i for i, v in enumerate(values) if v > threshold), None)


def test_two_evaluators_one_killed_fire_every_alert_exactly_once(stack):
    """20 simulated machines at 0.5 s for 40 s; `cpu.usage_percent > 27 for 0s` with a resolve threshold no value
    reaches (so each series fires at most once). With seed 221 the simulated values are known in advance: 12
    machines breach within their first 13 s, the other 8 never within 65 s. Two evaluators share the
    partitions; the one owning them is SIGKILLed while alerts are firing. Every machine that breaches has
    exactly one alert that fired, and the survivor owns every partition."""
    require_free_alert_partitions()
    machines, interval, duration, seed, threshold = 20, 0.5, 40, 221, 27
    stack.pipeline()
    stack.config_service(admin_token=ADMIN).wait_ready()
    rule = create_rule(stack, "--name", "sim cpu", "--metric", "cpu.usage_percent", "--op", ">", "--threshold",
                       str(threshold), "--resolve", "0.5", "--for", "0s", "--match", "cpu=total")
    rule_id = rule["id"]
    # Rules are loaded before the evaluators consume: the first sample is already evaluated.
    evaluators = [stack.alert_evaluator(name, PARTITIONS).wait_ready() for name in ("alert-a", "alert-b")]
    wait_for(lambda: all(len(c) == 2 and sum(a for _, _, a in c) == 1 for c in partition_consumers().values()), 30,
             "two consumers, one active, on every partition")

    loadgen = subprocess.Popen(
        [BIN, "loadgen", "--machines", str(machines), "--interval", str(interval), "--duration", str(duration),
         "--seed", str(seed), "--json"], env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(alerts_of(rule_id, FIRING)) >= 3, 30, "the first alerts firing")

        # Kill the evaluator that owns partitions (single-active-consumer: the first to subscribe owns them all).
        ports = {e.name: broker_ports(e.proc.pid) for e in evaluators}
        active_ports = {port for c in partition_consumers().values() for _, port, active in c if active}
        owners = [e for e in evaluators if ports[e.name] & active_ports]
        if all(ports.values()):  # ss could name the processes
            assert owners, (ports, partition_consumers())
        victim = owners[0] if owners else evaluators[0]
        survivor = next(e for e in evaluators if e is not victim)
        fired_before_kill = len(alerts_of(rule_id, FIRING))
        victim.kill()

        def survivor_owns_all():
            consumers = partition_consumers()
            # The management API may list a consumer before it knows its connection's port: wait for both.
            if not all(len(c) == 1 and c[0][2] and c[0][1] is not None for c in consumers.values()):
                return None
            survivor_ports = broker_ports(survivor.proc.pid)
            # When ss can name the processes, each partition's consumer must be the survivor's.
            if survivor_ports and not all(c[0][1] in survivor_ports for c in consumers.values()):
                return None
            return consumers

        wait_for(survivor_owns_all, 30, "exactly one active consumer, the survivor's, on every partition after the kill")
        out, err = loadgen.communicate(timeout=duration + 120)
    finally:
        if loadgen.poll() is None:
            loadgen.kill()
            loadgen.communicate()
    assert loadgen.returncode == 0, err[-2000:]
    report = json.loads(out)
    assert report["batches_acked"] == report["batches_sent"], report
    wait_for(lambda: scalar("select count(*) from batches_seen") >= report["batches_sent"], 60, "every batch persisted")
    wait_for(lambda: partition_messages() == 0, 60, "the alert partitions drained")
    assert survivor.proc.poll() is None, survivor.tail()

    # Which machines breach, from the simulation: bounded by the fewest and most batches one machine sent.
    per_machine = report["batches_sent"] / machines
    fewest, most = int(per_machine) - 2, int(per_machine) + 2
    firsts = {f"sim-{i}": first_breach(simulated_cpu_total(i, seed, most), threshold) for i in range(machines)}
    ambiguous = {m: f for m, f in firsts.items() if f is not None and fewest <= f < most}
    assert not ambiguous, f"the simulation no longer separates the machines clearly: {ambiguous}"
    expected = sorted(m for m, f in firsts.items() if f is not None and f < fewest)
    assert 8 <= len(expected) <= 14, f"{len(expected)} machines breach: {expected}"

    wait_for(lambda: len(alerts_of(rule_id, FIRING)) >= len(expected), 30, f"{len(expected)} alerts firing")
    # Exactly one alert that reached firing per (rule, machine, series); none for a machine that never breached.
    fired = sql(
        "select a.rule_id, a.machine_id, split_part(a.id, '/', 3), count(*) from alerts a "
        "where exists (select 1 from alert_transitions t where t.alert_id = a.id and t.to_status = 3) "
        "group by 1, 2, 3 order by 2")
    duplicates = [row for row in fired if int(row[3]) > 1]
    assert not duplicates, f"alerts that fired more than once: {duplicates}"
    assert sorted(row[1] for row in fired) == expected, (sorted(row[1] for row in fired), expected)
    assert {row[2] for row in fired} == {"cpu=total"}
    assert scalar("select count(*) from alerts") == len(expected)
    # Every alert: one pending and one firing transition, nothing resolved, still firing.
    assert sql("select to_status, count(*) from alert_transitions group by 1 order by 1") == \
           [[str(PENDING), str(len(expected))], [str(FIRING), str(len(expected))]]
    assert scalar(f"select count(*) from alerts where status <> {FIRING}") == 0
    listed = cli_alerts(stack, "--status", "firing", "--rule", rule_id, "--limit", "1000")
    assert sorted(a["machine_id"] for a in listed) == expected
    print(f"{fired_before_kill} of {len(expected)} alerts had fired when {victim.name} was killed")


# --------------------------------------------------------------------------------------------------
# Webhooks


class Receiver:
    """A webhook receiver on a free loopback port: records every POST, answers `status`."""

    def __init__(self, status=200):
        self.status = status
        self.posts = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with receiver.lock:
                    receiver.posts.append((self.path, self.headers.get("Content-Type", ""), raw))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self):
        with self.lock:
            return [json.loads(raw) for _, _, raw in self.posts]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_webhook_receives_firing_then_resolved(stack):
    require_free_alert_partitions()
    receiver = Receiver(200)
    try:
        stack.pipeline()
        stack.config_service(admin_token=ADMIN).wait_ready()
        stack.alert_evaluator("alert", PARTITIONS, "--webhook-urls", receiver.url + "/hooks/fleet").wait_ready()
        stack.collector(MACHINE, interval=1).wait_ready()
        wait_for(lambda: start_batches(MACHINE) >= 1, 60, f"batches of {MACHINE} persisted")
        rule = create_rule(stack, "--name", "hooked", "--metric", "cpu.usage_percent", "--op", ">=", "--threshold",
                           "0", "--for", "0s", "--match", "cpu=total", "--severity", "warning",
                           "--description", "{{hostname}} at {{value}} ({{threshold}})")

        def with_status(status):
            return [b for b in receiver.bodies() if b.get("status") == status]

        firing = wait_for(lambda: with_status("firing"), 20, "a firing notification")
        ok(run(stack, "rules", "update", rule["id"], "--threshold", "1000"))
        resolved = wait_for(lambda: with_status("resolved"), 20, "a resolved notification")

        bodies = receiver.bodies()
        assert [b["status"] for b in bodies] == ["firing", "resolved"], bodies  # no pending, no duplicates
        assert all(path == "/hooks/fleet" and ctype.startswith("application/json")
                   for path, ctype, _ in receiver.posts), receiver.posts
        # --webhook-urls: one receiver, each alert its own group (docs/alerts.md, "Webhook payload").
        for body in bodies:
            assert body["receiver"] == "webhook" and len(body["alerts"]) == 1, body
            assert body["title"].startswith(f"[{body['status'].upper()}] hooked"), body["title"]
            assert body["group_labels"]["machine"] == MACHINE and body["common_labels"]["rule"] == "hooked", body
        firing, resolved = firing[0]["alerts"][0], resolved[0]["alerts"][0]
        keys = {"alert_id", "status", "rule_id", "rule", "severity", "machine_id", "hostname", "labels", "at_ms",
                "value", "description"}
        assert keys <= set(firing) and keys <= set(resolved), (firing, resolved)
        alert_id = alerts_of(rule["id"])[0][0]
        hostname = open("/proc/sys/kernel/hostname").read().strip()
        assert firing["alert_id"] == resolved["alert_id"] == alert_id
        assert firing["rule_id"] == rule["id"] and firing["rule"] == "hooked" and firing["severity"] == "warning"
        assert firing["machine_id"] == MACHINE and firing["hostname"] == hostname
        assert firing["labels"] == {"cpu": "total"} and 0 <= firing["value"] <= 100
        assert firing["description"].startswith(f"{hostname} at "), firing["description"]
        assert resolved["at_ms"] >= firing["at_ms"]
        assert json.loads(ok(run(stack, "dlq", "list", "fleet.notify", "--json")).stdout) == []
    finally:
        receiver.close()


def test_a_webhook_that_keeps_failing_dead_letters_the_notification(stack):
    require_free_alert_partitions()
    receiver = Receiver(500)
    try:
        stack.pipeline()
        stack.config_service(admin_token=ADMIN).wait_ready()
        stack.env["FLEETWATCH_WEBHOOK_URLS"] = receiver.url
        evaluator = stack.alert_evaluator("alert", PARTITIONS, "--webhook-attempts", "2").wait_ready()
        stack.collector(MACHINE, interval=1).wait_ready()
        rule = create_rule(stack, "--name", "unheard", "--metric", "cpu.usage_percent", "--op", ">=", "--threshold",
                           "0", "--for", "0s", "--match", "cpu=total")
        listing = wait_for(lambda: json.loads(ok(run(stack, "dlq", "list", "fleet.notify", "--json")).stdout) or None,
                           30, "the notification in fleet.notify.dlq")
        assert len(listing) == 1, listing
        reason = listing[0]["reason"]
        assert "webhook" in reason and "500" in reason and receiver.url in reason, reason
        assert "2 attempts" in reason, reason
        assert listing[0]["routing_key"] == f"alerts.{MACHINE}.firing", listing[0]
        wait_for(lambda: management("GET", "/api/queues/%2f/fleet.notify.dlq")["messages"] == 1, 15,
                 "fleet.notify.dlq holding the notification (management API)")
        # Two attempts, both of the firing notification; the alert itself fired regardless.
        bodies = receiver.bodies()
        assert [b["status"] for b in bodies] == ["firing", "firing"], bodies
        assert {a["alert_id"] for b in bodies for a in b["alerts"]} == {alerts_of(rule["id"], FIRING)[0][0]}
        assert evaluator.ready()
        assert "notification failed" in evaluator.tail(200), evaluator.tail()
    finally:
        receiver.close()
