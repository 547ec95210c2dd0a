"""Machine and alert lifecycle (issue 13, "State never clears") against real RabbitMQ and PostgreSQL: a deleted or
disabled rule resolves its alerts at once, with the reason recorded; a retired machine leaves the fleet with its
alerts, keeps its history and comes back when it reports again."""
import requests

from conftest import scalar, wait_for
from test_alerts import ADMIN, FIRING, PARTITIONS, alerts_of, as_json, create_rule, ok, require_free_alert_partitions, run

MACHINE = "ci-lifecycle"


def firing_alert(stack, rule_id):
    rows = wait_for(lambda: alerts_of(rule_id, FIRING), 30, "the alert firing in PostgreSQL")
    assert len(rows) == 1 and rows[0][1] == MACHINE, rows
    return rows[0][0]


def detail(stack, alert_id):
    return as_json(run(stack, "alerts", "get", alert_id, "--output", "json"))


def always_busy(stack, name):
    return create_rule(stack, "--name", name, "--metric", "cpu.usage_percent", "--op", ">=", "--threshold", "0",
                       "--for", "0s", "--match", "cpu=total", "--severity", "critical")["id"]


def test_deleted_and_disabled_rules_resolve_their_alerts_at_once(stack):
    require_free_alert_partitions()
    stack.pipeline()
    stack.config_service(admin_token=ADMIN).wait_ready()
    stack.alert_evaluator("alert", PARTITIONS).wait_ready()
    stack.collector(MACHINE, interval=1).wait_ready()

    deleted = always_busy(stack, "deleted while firing")
    disabled = always_busy(stack, "disabled while firing")
    deleted_alert = firing_alert(stack, deleted)
    disabled_alert = firing_alert(stack, disabled)

    ok(run(stack, "rules", "delete", deleted))
    ok(run(stack, "rules", "update", disabled, "--disable"))
    # At once: the config service ends them in history before it answers.
    for alert_id, reason in [(deleted_alert, "rule deleted"), (disabled_alert, "rule disabled")]:
        alert = detail(stack, alert_id)
        assert alert["status"] == "resolved", alert
        assert alert["reason"] == reason, alert
        assert [(s["from"], s["to"]) for s in alert["history"]][-1] == ("firing", "resolved"), alert

    # And they stay ended while the machine keeps breaching: nothing of either rule fires again.
    batches = scalar(f"select count(*) from batches_seen where machine_id = '{MACHINE}'")
    wait_for(lambda: scalar(f"select count(*) from batches_seen where machine_id = '{MACHINE}'") >= batches + 5, 30,
             "five more batches evaluated")
    assert alerts_of(deleted, FIRING) == [] and alerts_of(disabled, FIRING) == []
    firing = as_json(run(stack, "alerts", "list", "--status", "firing,pending", "--output", "json")).get("alerts", [])
    assert [a for a in firing if a["rule_id"] in (deleted, disabled)] == [], firing


def test_a_retired_machine_leaves_with_its_alerts_keeps_its_history_and_comes_back(stack):
    require_free_alert_partitions()
    stack.pipeline()
    stack.config_service(admin_token=ADMIN).wait_ready()
    stack.alert_evaluator("alert", PARTITIONS).wait_ready()
    collector = stack.collector(MACHINE, interval=1).wait_ready()
    gw = stack.gateway().wait_ready()
    rule = always_busy(stack, "busy until retired")
    alert_id = firing_alert(stack, rule)

    def listed():
        machines = requests.get(gw.url("/api/v1/machines"), params={"silent": "show", "synthetic": "show"}, timeout=15)
        return [m["machine_id"] for m in machines.json()["machines"]]

    wait_for(lambda: MACHINE in listed(), 30, "the machine listed by the gateway")
    assert requests.delete(gw.url(f"/api/v1/machines/{MACHINE}"), timeout=15).status_code == 401
    unknown = run(stack, "machines", "retire", "nobody")
    assert unknown.returncode != 0 and "no machine 'nobody'" in unknown.stderr, unknown.stderr
    assert requests.delete(gw.url("/api/v1/machines/nobody"), timeout=15,
                           headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 404

    collector.stop()
    stored = scalar(f"select count(*) from batches_seen where machine_id = '{MACHINE}'")
    retired = requests.delete(gw.url(f"/api/v1/machines/{MACHINE}"), timeout=15,
                              headers={"Authorization": f"Bearer {ADMIN}"})
    assert retired.status_code == 204, retired.text
    alert = detail(stack, alert_id)
    assert alert["status"] == "resolved" and alert["reason"] == "machine retired", alert
    wait_for(lambda: MACHINE not in listed(), 15, "the retired machine gone from the live view")
    # Its history stays.
    assert scalar(f"select count(*) from batches_seen where machine_id = '{MACHINE}'") == stored

    # A restarted gateway, seeding from history, does not bring it back either.
    gw.stop()
    gw = stack.gateway("gateway-2").wait_ready()
    assert MACHINE not in listed()

    # It reports again: it is back, and so is its alert (a new one).
    stack.collector(MACHINE, interval=1).wait_ready()
    wait_for(lambda: MACHINE in listed(), 30, "the machine back after reporting again")
    rows = wait_for(lambda: alerts_of(rule, FIRING), 30, "a new alert for the machine")
    assert [r[0] for r in rows] != [alert_id]
