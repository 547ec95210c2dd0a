"""The dashboard's alert pages in a real headless Chromium against the real stack: a rule made in the Rules
page's form (through the gateway to the config service) is evaluated by `fleetwatch alert` on a real
collector's samples; the alert shows up live on the Alerts page, in the fleet table and on the machine page,
with its history; editing the rule in the form resolves it. Under the gateway's CSP, with no console errors.

Needs what test_dashboard.py needs (chromium, chromium-driver, selenium). Saves alerts.png and rules.png to
FLEETWATCH_SCREENSHOT_DIR.
"""
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from conftest import wait_for
from test_dashboard import SCREENSHOTS, browser, console_problems, no_alert  # noqa: F401 (browser: a fixture)

MACHINE = "ci-alerts-ui"
ADMIN_TOKEN = "ui-admin-" + uuid.uuid4().hex[:8]
# Markup in a rule name must stay text wherever it is shown.
RULE_MARKUP = "<i>always</i>"


class Page:
    """Selenium helpers around one browser."""

    def __init__(self, driver):
        from selenium.webdriver.common.by import By
        self.driver = driver
        self.By = By

    def css(self, selector):
        return self.driver.find_elements(self.By.CSS_SELECTOR, selector)

    def one(self, selector):
        found = self.css(selector)
        assert found, f"nothing matches {selector}"
        return found[0]

    def until(self, condition, timeout, what):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(
            lambda d: condition(), message=f"waiting for {what}")

    def visible(self, selector):
        return [e for e in self.css(selector) if e.is_displayed()]

    def type(self, selector, text):
        element = self.one(selector)
        element.clear()
        element.send_keys(text)

    def choose(self, selector, value):
        from selenium.webdriver.support.ui import Select
        Select(self.one(selector)).select_by_value(value)

    def clean(self, where, expected=()):
        """No JavaScript alert ran, and the console shows no error or CSP violation; `expected`: HTTP statuses
        the test provoked on purpose, which Chromium logs as failed loads."""
        no_alert(self.driver)
        problems = [p for p in console_problems(self.driver)
                    if not (p.get("source") == "network" and "/api/v1/rules" in p["message"]
                            and any(f"status of {status} " in p["message"] for status in expected))]
        assert not problems, f"{where}: {problems}"


def put_rule(base_url, rule, token):
    """Changes a rule behind the page's back, as another user would (the page must then get a 409)."""
    request = urllib.request.Request(f"{base_url}/api/v1/rules/{rule['id']}", method="PUT",
                                     data=json.dumps(rule).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def exercise_alert_pages(driver, base_url, token, machine, hostname, fire_timeout=15):
    """The whole walk through the UI; `base_url` is a gateway serving web/ (or a stand-in with the same API)."""
    page = Page(driver)
    css, one, until = page.css, page.one, page.until
    rule_name = f"ci cpu always {RULE_MARKUP} {uuid.uuid4().hex[:6]}"

    # --- rules page: the token, the form's own checks and the server's -----------------------------------
    driver.get(f"{base_url}/rules.html")
    until(lambda: one("#rules-summary").text.endswith("enabled"), 15, "the rules list")
    assert not one("#error").is_displayed(), one("#error").text
    assert one('nav a[data-nav="rules"]').get_attribute("aria-current") == "page"

    page.type("#rule-name", rule_name)
    page.choose("#rule-metric", "cpu.usage_percent")
    page.choose("#rule-comparator", ">=")
    page.type("#rule-threshold", "zero")
    page.type("#rule-for", "0")
    page.type("#rule-matchers", "cpu=total")
    page.choose("#rule-severity", "critical")
    one("#rule-save").click()
    # Not a number: marked by the page before anything is sent.
    until(lambda: css('[data-field="threshold"][data-invalid] #rule-threshold[aria-invalid="true"]'), 5,
          "the threshold marked invalid")
    assert one("#form-error").get_attribute("data-kind") == "invalid"
    page.type("#rule-threshold", "0")
    assert not css('[data-field="threshold"][data-invalid]'), "editing the field clears its error"

    # No token, then a wrong one (401 from the config service through the gateway): the page asks for it.
    driver.execute_script("sessionStorage.clear()")
    page.type("#admin-token", "")
    one("#rule-save").click()
    until(lambda: css('[data-field="token"][data-invalid]'), 5, "the page asking for the token")
    page.type("#admin-token", "wrong-" + token)
    one("#rule-save").click()
    until(lambda: page.visible('#form-error[data-kind="token"]'), 10, "401 asking for the token")
    assert "401" in one("#form-error").text
    assert css('[data-field="token"][data-invalid]')

    # The server's own validation: a resolve threshold on the firing side is refused, naming the field.
    page.type("#admin-token", token)
    assert driver.execute_script("return sessionStorage.getItem('fleetwatch.adminToken')") == token
    page.type("#rule-resolve", "5")
    one("#rule-save").click()
    until(lambda: css('[data-field="resolve_threshold"][data-invalid]'), 10, "400 marking resolve_threshold")
    assert one("#form-error").get_attribute("data-kind") == "invalid"
    assert one('[data-field="resolve_threshold"] .field-error').is_displayed()
    page.type("#rule-resolve", "")

    # --- create "cpu.usage_percent >= 0 for 0s match cpu=total": always true ----------------------------
    one("#rule-save").click()
    until(lambda: page.visible("#form-status"), 10, "the rule created")
    until(lambda: one("#rule-form").get_attribute("data-mode") == "edit", 5, "the form editing the new rule")
    rule_id = one("#rule-form").get_attribute("data-rule-id")
    row = f'#rules tr[data-rule-id="{rule_id}"]'
    until(lambda: css(row), 10, "the new rule in the table")
    assert css(f"{row} .rule-name")[0].text == rule_name
    assert css(f'{row} [data-col="version"]')[0].text == "1"
    assert "cpu.usage_percent >= 0" in css(f"{row} .condition")[0].text
    assert css("#rules i") == [] and css("#form-title i") == [], "markup in a rule name became elements"
    page.clean("rules page", expected=(400, 401))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / "rules.png"))

    # --- alerts page, through the nav: the alert fires live -------------------------------------------
    one('nav a[data-nav="alerts"]').click()
    until(lambda: css("#connection[data-state=\"connected\"]"), 15, "the alerts page's live connection")
    firing = f'#active-alerts tr[data-rule-id="{rule_id}"][data-machine-id="{machine}"][data-status="firing"]'
    until(lambda: css(firing), fire_timeout, f"the alert firing on {machine}")
    alerts_tab = driver.current_window_handle
    cells = {c.get_attribute("data-col"): c for c in one(firing).find_elements(page.By.TAG_NAME, "td")}
    assert cells["rule"].text == rule_name
    assert cells["machine"].text == hostname
    assert cells["severity"].text == "critical"
    assert "cpu=total" in cells["labels"].text
    assert cells["machine"].find_element(page.By.TAG_NAME, "a").get_attribute("href").endswith(
        "machine.html?id=" + machine)
    until(lambda: one("#nav-firing").is_displayed() and int(one("#nav-firing").text.rstrip("+")) >= 1, 35,
          "the firing count in the nav")
    assert css("#active-alerts i, #recent-alerts i") == [], "markup in a rule name became elements"

    # Its history in the details panel; the URL names the alert.
    one(f"{firing} td[data-col=\"rule\"]").click()
    until(lambda: page.visible("#alert-detail"), 5, "the details panel")
    until(lambda: css('#detail-history li[data-to="firing"]'), 10, "the transition to firing in the history")
    alert_id = one("#alert-detail").get_attribute("data-alert-id")
    assert one(firing).get_attribute("aria-selected") == "true"
    assert one("#detail-title").text == rule_name
    assert one("#detail-machine a").text == hostname
    assert "id=" in driver.current_url
    page.clean("alerts page")
    driver.save_screenshot(str(SCREENSHOTS / "alerts.png"))

    # --- the fleet table's badge and the machine page's panel, in a second tab -------------------------
    driver.switch_to.new_window("tab")
    driver.get(f"{base_url}/")
    badge = f'#machines tr[data-machine-id="{machine}"] [data-col="alerts"] .alert-count[data-kind="firing"]'
    until(lambda: css(badge), 15, "the firing badge in the fleet table")
    assert one(badge).text == "1 firing" and one(badge).get_attribute("data-severity") == "critical"
    one('#machines th[data-sort="alerts"] button').click()
    assert one('#machines th[data-sort="alerts"]').get_attribute("aria-sort") == "descending"
    assert one("#machines tbody tr[data-machine-id]").get_attribute("data-alerts") == "firing", "machines with firing alerts sort first"
    page.clean("fleet page")

    one(f'#machines tr[data-machine-id="{machine}"] a.host').click()
    until(lambda: one("#machine-id").text == machine, 15, f"the page of {machine}")
    panel_row = f'#machine-alerts-active tr[data-alert-id="{alert_id}"][data-status="firing"]'
    until(lambda: css(panel_row), 10, "the alert in the machine's Alerts panel")
    assert one("#alerts-counts").text == "1 firing"
    page.clean("machine page")

    # --- edit the rule in the form: a conflict first, then threshold 1000 ------------------------------
    driver.get(f"{base_url}/rules.html")
    until(lambda: css(row), 10, "the rule in the table again")
    # sessionStorage belongs to the tab: this second tab asks for the token again.
    assert one("#admin-token").get_attribute("value") == ""
    page.type("#admin-token", token)
    one(f"{row} button.edit").click()
    until(lambda: one("#rule-form").get_attribute("data-rule-id") == rule_id, 5, "the rule in the form")
    assert one("#rule-threshold").get_attribute("value") == "0"
    assert one("#rule-matchers").get_attribute("value") == "cpu=total"
    # Someone else saves a change meanwhile: the page's save gets a 409, says so and loads their version.
    theirs = get_json(f"{base_url}/api/v1/rules/{rule_id}")
    put_rule(base_url, dict(theirs, description="changed elsewhere"), token)
    page.type("#rule-threshold", "1000")
    one("#rule-save").click()
    until(lambda: page.visible('#form-error[data-kind="conflict"]'), 10, "the conflict explained")
    assert one("#rule-description").get_attribute("value") == "changed elsewhere"
    assert one("#rule-threshold").get_attribute("value") == "0", "the form shows their version"
    until(lambda: css(f'{row} [data-col="version"]')[0].text == "2", 5, "the table at version 2")

    page.type("#rule-threshold", "1000")
    one("#rule-save").click()
    until(lambda: page.visible("#form-status") and "version 3" in one("#form-status").text, 10, "the rule saved")
    assert css(f'{row} [data-col="version"]')[0].text == "3"
    assert "cpu.usage_percent >= 1000" in css(f"{row} .condition")[0].text
    page.clean("rules page after the edit", expected=(409,))

    # --- back to the first tab, untouched since: the alert resolves there live -------------------------
    driver.switch_to.window(alerts_tab)
    resolved = f'#recent-alerts tr[data-alert-id="{alert_id}"][data-status="resolved"]'
    until(lambda: css(resolved), 30, "the alert resolved on the alerts page, live")
    assert not css(f'#active-alerts tr[data-alert-id="{alert_id}"]')
    until(lambda: css('#detail-history li[data-to="resolved"]'), 10, "the resolution in the open history")
    assert one("#alert-detail").get_attribute("data-status") == "resolved"
    page.clean("alerts page after the resolution")

    # The fleet table drops the badge.
    driver.get(f"{base_url}/")
    until(lambda: css(f'#machines tr[data-machine-id="{machine}"][data-alerts="none"]'), 15, "the badge gone")
    until(lambda: not one("#nav-firing").is_displayed(), 35, "the nav count gone")

    # --- delete it: two clicks ----------------------------------------------------------------------------
    driver.get(f"{base_url}/rules.html")
    until(lambda: css(row), 10, "the rule in the table")
    css(row)[0].click()
    until(lambda: page.visible("#rule-delete"), 5, "the delete button")
    one("#rule-delete").click()
    assert one("#rule-delete").get_attribute("data-armed") == "true"
    one("#rule-delete").click()
    until(lambda: not css(row), 10, "the rule gone from the table")
    assert one("#rule-form").get_attribute("data-mode") == "create"
    page.clean("rules page after the delete")
    return rule_id, alert_id


def test_alert_pages_in_a_real_browser(stack, browser):  # noqa: F811 (the fixture imported above)
    stack.pipeline()
    stack.config_service(admin_token=ADMIN_TOKEN).wait_ready()
    stack.alert_evaluator().wait_ready()
    stack.collector(MACHINE, interval=1).wait_ready()
    gw = stack.gateway().wait_ready()
    base = gw.url("").rstrip("/")
    wait_for(lambda: any(m["machine_id"] == MACHINE for m in get_json(f"{base}/api/v1/machines")["machines"]), 30,
             f"{MACHINE} at the gateway")
    hostname = open("/proc/sys/kernel/hostname").read().strip()
    rule_id, alert_id = exercise_alert_pages(browser, base, ADMIN_TOKEN, MACHINE, hostname)

    # What the pages showed is what the API holds.
    detail = get_json(f"{base}/api/v1/alerts/detail?{urllib.parse.urlencode({'id': alert_id})}")
    assert detail["rule_id"] == rule_id and detail["status"] == "resolved"
    assert [step["to"] for step in detail["history"]][-1] == "resolved"
    try:
        get_json(f"{base}/api/v1/rules/{rule_id}")
        raise AssertionError("the rule deleted in the page still exists")
    except urllib.error.HTTPError as error:
        assert error.code == 404
