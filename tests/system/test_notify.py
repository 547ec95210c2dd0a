"""Notification routing (issue 13, point 4) against a `fleetwatch hub` (no broker needed) with a notify config:
routes by severity and rule to a generic webhook, a Slack-shaped incoming webhook and e-mail through a local SMTP
sink (aiosmtpd); two machines firing one rule make one notification listing both (group_by rule); an unchanged
group is told again after its repeat_interval; a firing alert inhibits another's notifications (inhibit_rules) until
it resolves; a config with a problem stops `alert` and `hub` at start naming the file, the place in it and the
problem. The webhook receiver is test_alerts.py's."""
import json
import re
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BIN, free_port, wait_for
from test_alerts import ADMIN, MACHINE, PARTITIONS, Receiver, create_rule, require_free_alert_partitions, run
from test_cli import cli
from test_conventions import promtool_findings, scrape
from test_hub import Hub, clean_env, hubs, this_machine  # noqa: F401 (hubs: the fixture)

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed (scripts/install-deps)")
from aiosmtpd.controller import Controller  # noqa: E402


class SMTPSink:
    """A local SMTP server (aiosmtpd) on a free port that keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink.lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content.decode("utf-8", "replace")))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def received(self):
        with self.lock:
            return list(self.messages)

    def close(self):
        self.controller.stop()


@pytest.fixture
def webhook():
    receiver = Receiver(200)
    yield receiver
    receiver.close()


@pytest.fixture
def slack():
    receiver = Receiver(200)
    yield receiver
    receiver.close()


@pytest.fixture
def smtp():
    sink = SMTPSink()
    yield sink
    sink.close()


def by_rule_to(webhook):
    """A notify config grouping by rule (1 s waits, repeat 1 h) to one webhook receiver, `ops`."""
    return f"""
route:
  receiver: ops
  group_by: [rule]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ops
    webhooks: [{{url: '{webhook.url}'}}]
"""


def start_hub(tmp_path, hubs, config):
    path = tmp_path / "notify.yaml"
    path.write_text(config)
    hub = Hub(tmp_path, tmp_path / "data")
    hubs.append(hub)
    hub.start("--interval", "1", "--notify-config", str(path)).wait_ready().learn_tokens()
    hub.machine = wait_for(lambda: this_machine(hub), 30, "this machine at the hub")["machine_id"]
    return hub


def always_firing(hub, name, severity, *matches):
    """A rule true at once on every cpu=total series (of the machines in `matches`); returns its id."""
    args = ["rules", "create", "--name", name, "--metric", "cpu.usage_percent", "--op", ">=", "--threshold", "0",
            "--for", "0s", "--match", "cpu=total", "--severity", severity, "--output", "json"]
    for match in matches:
        args += ["--match", match]
    result = cli(*args, env=hub.env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["id"]


def test_routes_send_to_a_webhook_a_slack_webhook_and_an_smtp_sink(tmp_path, hubs, webhook, slack, smtp):
    suffix = uuid.uuid4().hex[:6]
    hub = start_hub(tmp_path, hubs, f"""
route:
  receiver: ops
  group_by: [rule]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
    - matchers: ['rule=~"page-.*"']
      receiver: mail
receivers:
  - name: ops
    webhooks: [{{url: '{webhook.url}/ops'}}]
  - name: pager
    slack: [{{url: '{slack.url}/services/T0/B0/x', channel: '#pager'}}]
    templates:
      title: 'PAGE {{{{rule}}}} {{{{status}}}}'
  - name: mail
    email:
      - to: [oncall@example.com, lead@example.com]
        from: fleetwatch@example.com
        smarthost: 127.0.0.1:{smtp.port}
""")
    always_firing(hub, f"hook-{suffix}", "warning", f"machine={hub.machine}")
    always_firing(hub, f"page-{suffix}", "critical", f"machine={hub.machine}")

    # The warning goes to the root's webhook only.
    hooked = wait_for(lambda: webhook.bodies() or None, 30, "the webhook notification")[0]
    assert hooked["receiver"] == "ops" and hooked["status"] == "firing", hooked
    assert hooked["group_labels"] == {"rule": f"hook-{suffix}"}, hooked
    assert hooked["title"] == f"[FIRING] hook-{suffix}: 1 firing, 0 resolved", hooked["title"]
    assert f"FIRING hook-{suffix} on " in hooked["body"] and "[cpu=total]" in hooked["body"], hooked["body"]
    [alert] = hooked["alerts"]
    assert alert["machine_id"] == hub.machine and alert["labels"] == {"cpu": "total"}, alert
    assert alert["severity"] == "warning" and alert["status"] == "firing" and "alert_id" in alert, alert
    assert alert["all_labels"]["rule"] == f"hook-{suffix}", alert

    # The critical one goes to Slack (it continues) and by mail; never to the root's webhook.
    posted = wait_for(lambda: slack.bodies() or None, 30, "the Slack notification")[0]
    assert set(posted) == {"text", "channel"} and posted["channel"] == "#pager", posted
    assert posted["text"].startswith(f"*PAGE page-{suffix} firing*\n"), posted["text"]
    assert f"FIRING page-{suffix} on " in posted["text"], posted["text"]
    mail_from, recipients, content = wait_for(lambda: smtp.received() or None, 30, "the mail")[0]
    assert mail_from == "fleetwatch@example.com", (mail_from, content)
    assert recipients == ["oncall@example.com", "lead@example.com"], recipients
    assert f"Subject: [FIRING] page-{suffix}: 1 firing, 0 resolved" in content, content
    assert f"FIRING page-{suffix} on " in content and "Content-Type: text/plain; charset=utf-8" in content, content
    assert all(b["group_labels"] == {"rule": f"hook-{suffix}"} for b in webhook.bodies()), webhook.bodies()

    # Counted by kind of destination, with HELP text promtool accepts.
    metrics = wait_for(lambda: 'kind="email"' in (text := scrape(hub.url("/metrics"))) and text, 10, "the metrics")
    for kind in ("webhook", "slack", "email"):
        assert re.search(rf'^fleetwatch_notifications_sent_total{{kind="{kind}"}} [1-9]', metrics, re.M), kind
    # promtool on the notification families (test_conventions.py checks the whole exposition).
    ours = "".join(line + "\n" for line in metrics.splitlines() if "fleetwatch_notifications_" in line)
    assert "# HELP fleetwatch_notifications_sent_total " in ours, ours
    code, findings = promtool_findings(ours)
    assert code == 0 and findings == "", findings


def test_two_machines_firing_one_rule_make_one_notification_listing_both(tmp_path, hubs, webhook):
    hub = start_hub(tmp_path, hubs, f"""
route:
  receiver: ops
  group_by: [rule]
  group_wait: 4s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ops
    webhooks: [{{url: '{webhook.url}'}}]
""")
    other = f"notify-other-{uuid.uuid4().hex[:6]}"
    collector = subprocess.Popen(
        [BIN, "collect", "--machine-id", other, "--interval", "1", "--data-dir", str(tmp_path / "other")],
        env=clean_env(FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{hub.ingest_port}", FLEETWATCH_TOKEN=hub.token),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def both():
            status, body = hub.get("/api/v1/machines")
            ids = {m["machine_id"] for m in body.get("machines", [])} if status == 200 else set()
            return {hub.machine, other} <= ids
        wait_for(both, 30, "both machines at the hub")
        rule = f"grouped-{uuid.uuid4().hex[:6]}"
        always_firing(hub, rule, "warning")
        first = wait_for(lambda: webhook.bodies() or None, 30, "the grouped notification")[0]
        assert first["group_labels"] == {"rule": rule}, first
        assert sorted(a["machine_id"] for a in first["alerts"]) == sorted([hub.machine, other]), first["alerts"]
        assert first["title"] == f"[FIRING] {rule}: 2 firing, 0 resolved", first["title"]
        assert first["common_labels"]["rule"] == rule and "machine" not in first["common_labels"], first
        # Nothing changed: no second notification within the next group intervals.
        time.sleep(3)
        assert len(webhook.bodies()) == 1, webhook.bodies()
    finally:
        collector.kill()
        collector.wait()


def test_an_unchanged_firing_group_is_told_again_after_its_repeat_interval(tmp_path, hubs, webhook):
    hub = start_hub(tmp_path, hubs, f"""
route:
  receiver: ops
  group_by: [rule]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 4s
receivers:
  - name: ops
    webhooks: [{{url: '{webhook.url}'}}]
""")
    rule = f"repeated-{uuid.uuid4().hex[:6]}"
    always_firing(hub, rule, "warning", f"machine={hub.machine}")
    wait_for(lambda: webhook.bodies() or None, 30, "the first notification")
    first_at = time.monotonic()
    bodies = wait_for(lambda: len(webhook.bodies()) >= 2 and webhook.bodies(), 30, "the repeated notification")
    gap = time.monotonic() - first_at
    first, again = bodies[0], bodies[1]
    assert gap >= 3, f"repeated after {gap:.1f}s, before the 4s repeat_interval"
    assert again["status"] == "firing" and again["group_labels"] == first["group_labels"], again
    assert [a["alert_id"] for a in again["alerts"]] == [a["alert_id"] for a in first["alerts"]], (first, again)
    # A running dispatcher does not hold up a graceful stop.
    assert hub.stop() == 0, hub.stderr_tail()


def test_the_distributed_evaluator_routes_by_its_notify_config(stack, tmp_path, slack, smtp):
    """`fleetwatch alert --notify-config` against RabbitMQ and PostgreSQL: a critical alert to Slack and by mail."""
    require_free_alert_partitions()
    config = tmp_path / "notify.yaml"
    config.write_text(f"""
route:
  receiver: chat
  group_by: [rule]
  group_wait: 1s
  group_interval: 1s
  routes:
    - matchers: [severity=critical]
      receiver: mail
      continue: true
    - receiver: chat           # no matchers: every alert the routes above let through
receivers:
  - name: chat
    slack: [{{url: '{slack.url}/hook'}}]
  - name: mail
    email: [{{to: ops@example.com, from: fw@example.com, smarthost: '127.0.0.1:{smtp.port}'}}]
""")
    stack.pipeline()
    stack.config_service(admin_token=ADMIN).wait_ready()
    evaluator = stack.alert_evaluator("alert", PARTITIONS, "--notify-config", str(config)).wait_ready()
    stack.collector(MACHINE, interval=1).wait_ready()
    rule = f"routed-{uuid.uuid4().hex[:6]}"
    create_rule(stack, "--name", rule, "--metric", "cpu.usage_percent", "--op", ">=", "--threshold", "0", "--for",
                "0s", "--match", "cpu=total", "--severity", "critical")
    _, recipients, content = wait_for(lambda: smtp.received() or None, 60, "the mail")[0]
    assert recipients == ["ops@example.com"] and f"Subject: [FIRING] {rule}: 1 firing" in content, content
    assert f"FIRING {rule} on " in content and f"({MACHINE}) [cpu=total]" in content, content
    text = wait_for(lambda: slack.bodies() or None, 30, "the Slack post")[0]["text"]
    assert text.startswith(f"*[FIRING] {rule}: 1 firing"), text
    assert "notification sent" in evaluator.tail(200), evaluator.tail()
    assert json.loads(run(stack, "dlq", "list", "fleet.notify", "--json").stdout) == []


@pytest.mark.parametrize("config, fragment", [
    ("route: {receiver: ops}\nreceivers: [{name: ops}]\nroutes: []\n", "routes (line 3): unknown key 'routes'"),
    ("route: {receiver: pager}\nreceivers: [{name: ops}]\n", "route.receiver: unknown receiver 'pager'"),
    ("route: {receiver: ops, group_wait: 30}\nreceivers: [{name: ops}]\n",
     "route.group_wait (line 1): expected a duration with a unit"),
    ("route: {receiver: ops, routes: [{matchers: ['severity~x']}]}\nreceivers: [{name: ops}]\n",
     "route.routes[0].matchers[0]"),
    ("route: {receiver: ops}\nreceivers: [{name: ops}]\ntemplates: {title: '{{#unclosed}}'}\n",
     "templates.title"),
    ("route: {receiver: ops}\nreceivers: [{name: ops}]\ninhibit_rules: [{source_matchers: [severity=critical]}]\n",
     "inhibit_rules[0].target_matchers (line 3): is required"),
])
def test_a_bad_notify_config_stops_alert_and_hub_at_start_naming_file_place_and_problem(tmp_path, config, fragment):
    path = tmp_path / "notify.yaml"
    path.write_text(config)
    for command in (["alert"], ["hub", "--data-dir", str(tmp_path / "data"), "--no-collect"]):
        result = subprocess.run([BIN, *command, "--notify-config", str(path)], env=clean_env(), capture_output=True,
                                text=True, timeout=30)
        assert result.returncode != 0, (command, result.stdout, result.stderr)
        assert f"notify config {path}:" in result.stderr and fragment in result.stderr, (command, result.stderr)


def test_a_silence_holds_notifications_back_and_its_expiry_lets_them_through(tmp_path, hubs, webhook):
    """Silences stop notifications, not evaluation: the alert fires (and says silenced_by) while the webhook hears
    nothing; once the silence is expired the dispatcher (which reads silences every 5 s) tells the group."""
    hub = start_hub(tmp_path, hubs, by_rule_to(webhook))
    rule = f"hushed-{uuid.uuid4().hex[:6]}"
    silence = cli("silences", "add", "--match", f"rule={rule}", "--for", "1h", "--comment", "maintenance",
                  "--created-by", "ci", "--output", "json", env=hub.env)
    assert silence.returncode == 0, silence.stderr
    silence_id = json.loads(silence.stdout)["id"]
    # The dispatcher reads silences at start and every 5 s: wait past one read before the rule exists.
    time.sleep(6)
    rule_id = always_firing(hub, rule, "warning", f"machine={hub.machine}")

    def silenced_alert():
        status, body = hub.get(f"/api/v1/alerts?rule_id={rule_id}&status=firing")
        alerts = body.get("alerts", []) if status == 200 else []
        return alerts and alerts[0]["silenced_by"] == [silence_id] and alerts[0]
    wait_for(silenced_alert, 30, "the alert firing, silenced")
    # Several group intervals with the alert firing and silenced: nothing is sent.
    time.sleep(5)
    assert webhook.bodies() == [], webhook.bodies()

    expired = cli("silences", "expire", silence_id, env=hub.env)
    assert expired.returncode == 0, expired.stderr
    told = wait_for(lambda: webhook.bodies() or None, 30, "the notification once the silence expired")[0]
    assert told["status"] == "firing" and told["group_labels"] == {"rule": rule}, told


def test_a_firing_alert_inhibits_the_notifications_of_another_until_it_resolves(tmp_path, hubs, webhook):
    """inhibit_rules: while the critical source alert fires on the machine, the warning of the same machine (equal:
    [machine]) is left out of notifications, though it fires; when the source resolves (its rule deleted), the
    warning's group is told at its next look."""
    suffix = uuid.uuid4().hex[:6]
    source, target = f"down-{suffix}", f"disk-{suffix}"
    hub = start_hub(tmp_path, hubs, by_rule_to(webhook) + f"""
inhibit_rules:
  - source_matchers: ['rule="{source}"']
    target_matchers: [severity=warning]
    equal: [machine]
""")
    source_id = always_firing(hub, source, "critical", f"machine={hub.machine}")
    told = wait_for(lambda: webhook.bodies() or None, 30, "the source's notification")
    assert [b["group_labels"] for b in told] == [{"rule": source}], told

    target_id = always_firing(hub, target, "warning", f"machine={hub.machine}")

    def firing(rule_id):
        status, body = hub.get(f"/api/v1/alerts?rule_id={rule_id}&status=firing")
        return status == 200 and body["alerts"] and body["alerts"][0]
    wait_for(lambda: firing(target_id), 30, "the target alert firing")
    wait_for(lambda: "alert inhibited; not notified" in hub.stderr() or None, 30, "the inhibition logged")
    # Several group intervals with both firing: only the source was told.
    time.sleep(4)
    assert all(b["group_labels"] == {"rule": source} for b in webhook.bodies()), webhook.bodies()
    assert firing(target_id)["silenced_by"] == [], "inhibition is not a silence"

    deleted = cli("rules", "delete", source_id, env=hub.env)
    assert deleted.returncode == 0, deleted.stderr

    def target_told():
        return [b for b in webhook.bodies() if b["group_labels"] == {"rule": target}] or None
    [first] = wait_for(target_told, 30, "the target told once the source resolved")[:1]
    assert first["status"] == "firing" and [a["machine_id"] for a in first["alerts"]] == [hub.machine], first
    metrics = scrape(hub.url("/metrics"))
    assert re.search(r"^fleetwatch_notifications_inhibited_total [1-9]", metrics, re.M), metrics
