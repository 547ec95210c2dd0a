"""The browser dashboard (web/) in a real headless Chromium against the real stack: collector → ingest →
RabbitMQ → normalizer → persister/fanout → `fleetwatch gateway` → the page, under the gateway's CSP. The machine
page's charts (zoom, tooltips, the range in the URL, sparse history) are tested against `fleetwatch hub`
monitoring this machine, which needs neither RabbitMQ nor PostgreSQL.

Needs Debian's chromium and chromium-driver and pip's selenium (scripts/install-deps): skipped locally
when missing, a failure under CI=true. Saves fleet.png, machine.png and pipeline.png to
FLEETWATCH_SCREENSHOT_DIR.
"""
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BIN, MANAGEMENT_PORT, ROOT, require, scalar, wait_for

MACHINE = "ci-dashboard"
XSS_MACHINE = "ci-dashboard-xss"
XSS = "<img src=x onerror=alert(1)>"
XSS_LABEL = "<script>alert(2)</script>"
XSS_PROCESS = "<svg onload=alert(3)>"
CHROMIUM = os.environ.get("FLEETWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FLEETWATCH_CHROMEDRIVER", "/usr/bin/chromedriver")
# docs/screenshots/ holds the README's pictures (taken from a long-running stack with history);
# the test writes its own to FLEETWATCH_SCREENSHOT_DIR, default a temporary folder.
SCREENSHOTS = Path(os.environ.get("FLEETWATCH_SCREENSHOT_DIR", "/tmp/fleetwatch-screenshots"))


def need(module, package):
    """Imports an optional test dependency: skipped locally when missing, a failure under CI=true."""
    try:
        return importlib.import_module(module)
    except ImportError:
        require(False, f"python module '{module}' missing: pip install {package} (scripts/install-deps)")


@pytest.fixture
def browser():
    need("selenium", "selenium")
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install chromium (scripts/install-deps)")
    require(Path(CHROMEDRIVER).exists(), f"{CHROMEDRIVER} missing: apt-get install chromium-driver (scripts/install-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def ingest_stubs(tmp_path):
    """Python stubs of proto/fleetwatch/v1 (the collector's wire contract), generated with grpc_tools."""
    need("grpc_tools", "grpcio-tools")
    need("grpc", "grpcio")
    out = tmp_path / "stubs"
    out.mkdir()
    protos = [str(ROOT / "proto/fleetwatch/v1" / name) for name in ["metrics.proto", "ingest.proto"]]
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}",
                    f"--grpc_python_out={out}", *protos], check=True, capture_output=True, text=True)
    sys.path.insert(0, str(out))
    try:
        for name in [n for n in sys.modules if n == "fleetwatch" or n.startswith("fleetwatch.")]:
            del sys.modules[name]
        return (importlib.import_module("fleetwatch.v1.metrics_pb2"),
                importlib.import_module("fleetwatch.v1.ingest_pb2_grpc"))
    finally:
        sys.path.remove(str(out))


def raw_batch(pb, machine, sequence, readings, hostname="test-host"):
    """A RawBatch of `machine` stamped now, with a plain identity and `readings` as (key, labels, value)."""
    batch = pb.RawBatch(machine_id=machine, sequence=sequence, source="proc", timestamp_ms=int(time.time() * 1000))
    batch.identity.machine_id = machine
    batch.identity.hostname = hostname
    batch.identity.os = "Debian GNU/Linux 12"
    batch.identity.kernel = "6.1.0"
    batch.identity.cpu_cores = 2
    batch.identity.agent_version = "test"
    for key, labels, value in readings:
        batch.readings.add(key=key, labels=labels, value=value)
    return batch


def publish_hostile_machine(stack, tmp_path):
    """Sends one batch through the real ingest edge, as a collector would, from a machine whose hostname,
    label and process name are markup: the dashboard must show them as text."""
    import grpc
    pb, rpc = ingest_stubs(tmp_path)
    batch = raw_batch(pb, XSS_MACHINE, 1, [
        ("stat.cpu.busy_ratio", {"cpu": "total"}, 0.25), ("loadavg.1", {}, 0.5),
        ("meminfo.MemTotal_kB", {}, 4_000_000), ("meminfo.MemAvailable_kB", {}, 3_000_000),
    ], hostname=XSS)
    batch.identity.labels["note"] = XSS_LABEL
    batch.processes.timestamp_ms = batch.timestamp_ms
    for group in (batch.processes.by_cpu, batch.processes.by_memory):
        group.add(pid=4242, name=XSS_PROCESS, user=XSS_LABEL, cpu_percent=1.5, rss_bytes=10 * 1024 * 1024)

    channel = grpc.insecure_channel(f"127.0.0.1:{stack.ingest_port}")
    try:
        responses = rpc.IngestStub(channel).Publish(
            iter([batch]), metadata=[("authorization", f"Bearer {stack.token}")], timeout=30)
        for response in responses:
            if response.WhichOneof("kind") == "ack" and response.ack.sequence == 1:
                break
        else:
            raise AssertionError("the edge closed the stream without acking the hostile batch")
    finally:
        channel.close()
    wait_for(lambda: scalar(f"select count(*) from batches_seen where machine_id = '{XSS_MACHINE}'") == 1, 30,
             "the hostile batch persisted")


def no_alert(driver):
    from selenium.common.exceptions import NoAlertPresentException
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"a JavaScript alert fired: {text!r} (markup from a machine was executed)")


def console_problems(driver):
    """Browser console entries that mean something broke: errors, failed loads and CSP violations."""
    return [entry for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]
            or "Refused to" in entry["message"]]


def cpu_points(driver):
    """(points, last x) of the CPU chart, read from its Chart.js instance."""
    return driver.execute_script("""
        const chart = window.Chart && Chart.getChart(document.getElementById('chart-cpu'));
        const data = chart && chart.data.datasets.length ? chart.data.datasets[0].data : [];
        return [data.length, data.length ? data[data.length - 1].x : 0];
    """)


def test_dashboard_in_a_real_browser(stack, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def until(condition, timeout, what):
        return WebDriverWait(browser, timeout).until(lambda d: condition(), message=f"waiting for {what}")

    def css(selector):
        return browser.find_elements(By.CSS_SELECTOR, selector)

    stack.pipeline()
    collector = stack.collector(MACHINE, interval=1).wait_ready()
    gw = stack.gateway().wait_ready()
    # A few simulated machines so the fleet table has something to sort (and the screenshot some rows).
    loadgen = subprocess.Popen([BIN, "loadgen", "--machines", "5", "--interval", "1", "--duration", "300"],
                               env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        publish_hostile_machine(stack, tmp_path)

        # --- the fleet overview --------------------------------------------------------------------
        # loadgen's machines are synthetic (label synthetic=loadgen): hidden unless the URL asks for them.
        browser.get(gw.url("/?synthetic=show"))
        row = f'#machines tr[data-machine-id="{MACHINE}"]'
        until(lambda: css(row), 15, f"a row for {MACHINE}")
        until(lambda: css(f'#connection[data-state="connected"]'), 15, "the live connection")
        hostname = open("/proc/sys/kernel/hostname").read().strip()
        assert css(f"{row} a.host")[0].text == hostname
        assert css(f"{row} .machine-id")[0].text == MACHINE
        until(lambda: css(f'{row}[data-status="online"]'), 15, f"{MACHINE} online")
        # From the collector's second tick on every summary field is known, the rates included.
        until(lambda: "—" not in css(row)[0].text, 20, f"every value of {MACHINE} known")
        until(lambda: len(css("#machines tbody tr[data-machine-id^='sim-']")) == 5, 30, "the 5 simulated machines")
        synthetic = browser.find_element(By.ID, "f-synthetic")
        assert synthetic.is_selected()
        synthetic.click()
        until(lambda: not css("#machines tbody tr[data-machine-id^='sim-']"), 5, "the simulated machines hidden")
        assert "hidden: 5 synthetic" in browser.find_element(By.ID, "summary").text
        assert "synthetic" not in browser.execute_script("return location.search")
        browser.back()
        until(lambda: len(css("#machines tbody tr[data-machine-id^='sim-']")) == 5, 5, "back: shown again")
        assert browser.find_element(By.ID, "f-synthetic").is_selected()
        # Search by id, in the URL.
        search = browser.find_element(By.ID, "f-q")
        search.send_keys(XSS_MACHINE)
        until(lambda: [r.get_attribute("data-machine-id") for r in css("#machines tbody tr[data-machine-id]")] == [XSS_MACHINE],
              5, f"only {XSS_MACHINE} listed")
        assert f"q={XSS_MACHINE}" in browser.execute_script("return location.search")
        search.clear()
        browser.execute_script("document.getElementById('f-q').dispatchEvent(new Event('input', {bubbles: true}))")
        until(lambda: len(css("#machines tbody tr[data-machine-id]")) == 7, 5, "every machine again")

        # Hostile data is text: the literal markup is visible, no element was made from it, nothing ran.
        xss_row = f'#machines tr[data-machine-id="{XSS_MACHINE}"]'
        until(lambda: css(xss_row), 15, "the hostile machine's row")
        link = css(f"{xss_row} a.host")[0]
        assert link.text == XSS and link.is_displayed()
        assert css("#machines img") == [] and css('img[src="x"]') == []
        assert link.get_attribute("href").endswith("machine.html?id=" + XSS_MACHINE)
        no_alert(browser)

        # Sorting: a click sorts by CPU (highest first, unknown last), a second click reverses.
        header = css('#machines th[data-sort="cpu"]')[0]
        header.find_element(By.TAG_NAME, "button").click()
        assert header.get_attribute("aria-sort") == "descending"
        # The page holds the order while the pointer is over the table (live values change in place, a note says
        # so): with the pointer away, every live update sorts again.
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()

        def sorted_by_cpu():
            order = browser.execute_script("""
                return [...document.querySelectorAll('#machines tbody tr[data-machine-id]')].map(r => {
                    const v = parseFloat(r.querySelector('[data-col=cpu] .value').textContent);
                    return Number.isNaN(v) ? null : v; });""")
            known = [v for v in order if v is not None]
            return known == sorted(known, reverse=True) and order[:len(known)] == known and order
        until(sorted_by_cpu, 15, "rows by CPU, highest first, unknown last")
        header.find_element(By.TAG_NAME, "button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        css('#machines th[data-sort="hostname"] button')[0].click()

        assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(By.ID, "error").text
        summary = browser.find_element(By.ID, "summary").text
        assert summary.startswith("7 machines"), summary
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "fleet.png"))
        problems = console_problems(browser)
        assert not problems, problems

        # --- the hostile machine's page ------------------------------------------------------------
        link.click()
        until(lambda: browser.find_element(By.ID, "hostname").text == XSS, 15, "the hostile machine's page")
        assert browser.find_element(By.ID, "labels").text == f"note={XSS_LABEL}"
        until(lambda: XSS_PROCESS in browser.find_element(By.ID, "procs-cpu").text, 15, "its process table")
        assert css("svg, script:not([src])") == [], "markup from a machine became elements"
        assert browser.title.startswith(XSS)
        no_alert(browser)
        problems = console_problems(browser)
        assert not problems, problems

        # --- this machine's page, from the fleet link ----------------------------------------------
        browser.find_element(By.ID, "back").click()
        until(lambda: css(f"{row} a.host"), 15, "the fleet again")
        css(f"{row} a.host")[0].click()
        until(lambda: browser.find_element(By.ID, "hostname").text == hostname, 15, f"the page of {MACHINE}")
        assert browser.find_element(By.ID, "machine-id").text == MACHINE
        # Retiring asks for confirmation (and the admin token) in a dialog; Cancel leaves the machine alone.
        browser.find_element(By.ID, "retire").click()
        until(lambda: browser.find_element(By.ID, "retire-dialog").get_attribute("open") is not None, 5, "the retire dialog")
        assert browser.find_element(By.ID, "retire-name").text == hostname
        browser.find_element(By.ID, "retire-cancel").click()
        until(lambda: browser.find_element(By.ID, "retire-dialog").get_attribute("open") is None, 5, "the dialog closed")
        until(lambda: css('#connection[data-state="connected"]'), 15, "the live connection")
        until(lambda: cpu_points(browser)[0] >= 1, 20, "the CPU chart's first points")
        first = cpu_points(browser)
        # Live samples append: the chart gains points and its newest point moves on.
        until(lambda: cpu_points(browser)[0] > first[0] and cpu_points(browser)[1] > first[1], 30,
              f"the CPU chart growing past {first}")
        for chart in ["mem", "disk", "net"]:
            until(lambda: int(browser.find_element(By.ID, f"chart-{chart}").get_attribute("data-points")) > 0, 20,
                  f"points in chart-{chart}")
        until(lambda: len(css("#procs-cpu tbody tr[data-pid]")) > 0, 20, "top processes by CPU")
        assert len(css("#latest tbody tr[data-series]")) > 10

        # Another range reloads history and widens the window; back on 1h, live points keep coming.
        window_ms = "const c = Chart.getChart(document.getElementById('chart-cpu')); " \
                    "return c.options.scales.x.max - c.options.scales.x.min;"
        css('#range button[data-range="6h"]')[0].click()
        until(lambda: css('#range button[data-range="6h"][aria-pressed="true"]'), 5, "6h pressed")
        assert "range=6h" in browser.current_url
        until(lambda: browser.execute_script(window_ms) == 6 * 3600_000, 10, "a 6 h window")
        css('#range button[data-range="1h"]')[0].click()
        until(lambda: browser.execute_script(window_ms) == 3600_000, 10, "a 1 h window")
        until(lambda: cpu_points(browser)[0] >= 2, 20, "the 1 h history again")
        again = cpu_points(browser)
        until(lambda: cpu_points(browser)[1] > again[1], 30, f"live points after the range changes ({again})")

        assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(By.ID, "error").text
        browser.save_screenshot(str(SCREENSHOTS / "machine.png"))
        no_alert(browser)
        problems = console_problems(browser)
        assert not problems, problems

        # The gateway restarts: the page says so, reconnects by itself and subscribes again.
        gw.stop()
        until(lambda: css('#connection[data-state="reconnecting"], #connection[data-state="offline"]'), 10,
              "the indicator noticing the gateway is gone")
        gw.start().wait_ready()
        until(lambda: css('#connection[data-state="connected"]'), 20, "the page reconnecting")
        resumed = cpu_points(browser)
        until(lambda: cpu_points(browser)[1] > resumed[1], 30, f"live points after the reconnect ({resumed})")
        assert collector.proc.poll() is None
    finally:
        loadgen.kill()
        loadgen.wait()


def test_pipeline_page_in_a_real_browser(stack, browser):
    """The pipeline page (reached from the fleet page's pipeline line) against the distributed stack: the
    queue table lists fleet.normalize and fleet.persist, in path order, each read by a consumer and with an
    empty DLQ; under the gateway's CSP, with no console error. No probe runs: the latency table is either
    filled or says how to start one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def until(condition, timeout, what):
        return WebDriverWait(browser, timeout, poll_frequency=0.2).until(
            lambda d: condition(), message=f"waiting for {what}")

    def css(selector):
        return browser.find_elements(By.CSS_SELECTOR, selector)

    def displayed(selector):
        return any(e.is_displayed() for e in css(selector))

    def healthy(queue):
        """The queue's row shows at least one consumer and nothing wrong (its DLQ was emptied by the fixture)."""
        row = f'#queues tr[data-queue="{queue}"]'
        cells = css(f'{row} td[data-col="consumers"]')
        return bool(cells) and int(cells[0].text.replace(",", "") or 0) >= 1 and not css(f"{row}[data-problem]")

    stack.pipeline()
    # The gateway reads queue figures from the management API of the test broker.
    stack.env.setdefault("FLEETWATCH_MANAGEMENT_URL", f"http://guest:guest@127.0.0.1:{MANAGEMENT_PORT}")
    gw = stack.gateway().wait_ready()

    # --- the fleet page's one-line status links to the pipeline page --------------------------------
    browser.get(gw.url("/"))
    until(lambda: displayed("#pipeline-status"), 15, "the fleet page's pipeline status")
    assert browser.find_element(By.ID, "pipeline-status").text.startswith("pipeline")
    problems = console_problems(browser)
    assert not problems, problems
    browser.find_element(By.ID, "pipeline-status").click()

    # --- the pipeline page ------------------------------------------------------------------------
    until(lambda: browser.current_url.endswith("/pipeline.html"), 10, "the pipeline page")
    assert css('nav a[data-nav="pipeline"]')[0].get_attribute("aria-current") == "page"
    until(lambda: css('#connection[data-state="connected"]'), 15, "a first answer of /api/v1/pipeline")
    # The management API refreshes its consumer counts every few seconds; the page reads them every 2 s.
    until(lambda: healthy("fleet.normalize") and healthy("fleet.persist"), 30,
          "fleet.normalize and fleet.persist each read by a consumer, in the queue table")
    names = [row.get_attribute("data-queue") for row in css("#queues tbody tr")]
    assert names.index("fleet.normalize") < names.index("fleet.persist"), names
    for queue in ["fleet.normalize", "fleet.persist"]:
        assert css(f'#queues tr[data-queue="{queue}"] td[data-col="dead"]')[0].text == "0"
    assert not displayed("#queues-error"), browser.find_element(By.ID, "queues-error").text
    assert not displayed("#error"), browser.find_element(By.ID, "error").text
    # Probe latencies are this gateway's, and no probe is started here: a table or the hint, never neither.
    assert displayed("#probe") or ("fleetwatch probe" in browser.find_element(By.ID, "probe-empty").text
                                   and displayed("#probe-empty"))
    until(lambda: "waiting" in browser.find_element(By.ID, "pipeline-summary").text, 5, "the summary line")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "pipeline.png"))
    no_alert(browser)
    problems = console_problems(browser)
    assert not problems, problems


# --- the machine page's charts, against `fleetwatch hub` monitoring this machine ----------------------------

CHART_JS = """
    const chart = Chart.getChart(document.getElementById(arguments[0]));
    if (!chart) return null;
    const area = chart.chartArea;
    return {
        min: chart.options.scales.x.min, max: chart.options.scales.x.max,
        area: [area.left, area.top, area.right, area.bottom],
        width: chart.canvas.clientWidth, height: chart.canvas.clientHeight,
        series: chart.data.datasets.map(d => ({label: d.label, points: d.data.length})),
    };
"""


def waiting(browser):
    """until(condition, timeout, what): polls `condition` every 0.2 s, failing with what it waited for."""
    from selenium.webdriver.support.ui import WebDriverWait

    def until(condition, timeout, what):
        return WebDriverWait(browser, timeout, poll_frequency=0.2).until(
            lambda d: condition(), message=f"waiting for {what}")
    return until


def start_hub(tmp_path, interval):
    """`fleetwatch hub` collecting this machine every `interval` seconds; (hub, machine id) once it reported."""
    from test_hub import Hub
    hub = Hub(tmp_path, tmp_path / "hub-data").start("--interval", str(interval)).wait_ready()

    def reported():
        status, answer = hub.get("/api/v1/machines")
        machines = answer.get("machines", []) if status == 200 else []
        return machines[0] if machines and machines[0].get("last_seen_ms") else None
    machine = wait_for(reported, 30, "the hub's own machine")
    return hub, machine


def test_machine_charts_zoom_and_tooltips(browser, tmp_path):
    """The Netdata-like charts of one machine: per-core CPU and iowait, load, memory and swap, disk usage per
    mount, process count; a tooltip on hover; a drag selects a range that goes into the URL, every chart shows
    it, and loading that URL restores it; the keyboard's way (the custom range form, Reset zoom) works too."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    until = waiting(browser)

    def chart(chart_id):
        return browser.execute_script(CHART_JS, f"chart-{chart_id}")

    def labels(chart_id):
        return [s["label"] for s in chart(chart_id)["series"]]

    def drawn(chart_id):
        return chart(chart_id) and sum(s["points"] for s in chart(chart_id)["series"]) > 0

    def query():
        from urllib.parse import parse_qs, urlparse
        return {k: v[0] for k, v in parse_qs(urlparse(browser.current_url).query).items()}

    hub, machine = start_hub(tmp_path, 1)
    try:
        browser.get(hub.url(f"/machine.html?id={machine['machine_id']}"))
        until(lambda: browser.find_element(By.ID, "hostname").text == machine["hostname"], 15, "the machine's page")
        for chart_id in ["cpu", "cores", "load", "mem", "space", "procs", "disk", "net"]:
            until(lambda: drawn(chart_id), 30, f"points in chart-{chart_id}")
        until(lambda: set(labels("cpu")) == {"used", "iowait"}, 15, "CPU used and iowait")
        assert labels("cores") == [f"core {n}" for n in range(machine["cores"])], labels("cores")
        assert labels("load") == ["1 min", "5 min", "15 min"]
        assert labels("mem") == ["memory used", "swap used"]
        assert "/" in labels("space"), labels("space")
        assert labels("procs") == ["processes"]
        procs = browser.find_element(By.CSS_SELECTOR, '[data-current="procs"]').text
        assert procs.replace(",", "").isdigit() and int(procs.replace(",", "")) > 0, procs
        assert browser.find_element(By.ID, "range-summary").text.startswith("Showing the last hour")

        # Hovering a chart shows a tooltip with every series' value at that time.
        until(lambda: min(s["points"] for s in chart("load")["series"]) >= 2, 20, "two points per load series")
        canvas = browser.find_element(By.ID, "chart-load")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
        point = browser.execute_script("""
            const chart = Chart.getChart(arguments[0]);
            const meta = chart.getDatasetMeta(0);
            const element = meta.data[meta.data.length - 1];
            return [element.x, element.y];""", canvas)
        box = chart("load")
        ActionChains(browser).move_to_element_with_offset(
            canvas, int(point[0] - box["width"] / 2), int(point[1] - box["height"] / 2)).perform()
        tooltip = until(lambda: browser.execute_script("""
            const t = Chart.getChart(arguments[0]).tooltip;
            return t.opacity > 0 && t.body ? t.body.map(b => b.lines.join(' ')) : null;""", canvas),
            5, "a tooltip on hover")
        assert [line.split(":")[0] for line in tooltip] == ["1 min", "5 min", "15 min"], tooltip

        # A drag across the CPU chart's last seconds zooms every chart to that window, in the URL.
        until(lambda: drawn("cpu") and chart("cpu")["series"][0]["points"] >= 5, 30, "five seconds of CPU")
        canvas = browser.find_element(By.ID, "chart-cpu")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
        box = chart("cpu")
        left, top, right, bottom = box["area"]
        y = int((top + bottom) / 2 - box["height"] / 2)
        start_x, end_x = int(right - 80 - box["width"] / 2), int(right - 2 - box["width"] / 2)
        expected = browser.execute_script("""
            const scale = Chart.getChart(arguments[0]).scales.x;
            return [scale.getValueForPixel(arguments[1]), scale.getValueForPixel(arguments[2])];""",
            canvas, start_x + box["width"] / 2, end_x + box["width"] / 2)
        ActionChains(browser).move_to_element_with_offset(canvas, start_x, y).click_and_hold() \
            .move_by_offset(20, 0).move_by_offset(end_x - start_x - 20, 0).release().perform()
        until(lambda: "from" in query() and "to" in query(), 5, "from and to in the URL")
        from_ms = browser.execute_script("return Date.parse(arguments[0])", query()["from"])
        to_ms = browser.execute_script("return Date.parse(arguments[0])", query()["to"])
        # The window is the dragged one (give or take a pixel, some seconds of a 1 h window, and the window's
        # move with the clock during the drag), snapped to whole seconds.
        assert abs(from_ms - expected[0]) < 20_000 and abs(to_ms - expected[1]) < 20_000, (from_ms, to_ms, expected)
        assert from_ms % 1000 == 0 and to_ms % 1000 == 0
        for chart_id in ["cpu", "cores", "load", "mem", "space", "procs", "disk", "net"]:
            until(lambda: (chart(chart_id)["min"], chart(chart_id)["max"]) == (from_ms, to_ms), 30,
                  f"chart-{chart_id} zoomed")
        until(lambda: drawn("cpu"), 30, "the zoomed window's history")
        assert browser.find_element(By.ID, "zoom-reset").is_displayed()
        assert not browser.find_elements(By.CSS_SELECTOR, '#range button[aria-pressed="true"]')
        assert browser.find_element(By.ID, "range-summary").text.startswith("Showing ")
        zoomed_url = browser.current_url

        # Back undoes the zoom; loading the zoomed URL restores it.
        browser.back()
        until(lambda: chart("cpu")["max"] - chart("cpu")["min"] == 3600_000, 30, "back to the last hour")
        browser.get(zoomed_url)
        until(lambda: chart("cpu") and (chart("cpu")["min"], chart("cpu")["max"]) == (from_ms, to_ms), 30,
              "the zoomed window restored from the URL")
        until(lambda: drawn("cpu") and drawn("load"), 30, "the restored window's history")

        # The keyboard's way: Reset zoom, then a typed range; a wrong one is refused with the reason.
        reset = browser.find_element(By.ID, "zoom-reset")
        reset.send_keys("\n")
        until(lambda: "from" not in query() and query().get("range") == "1h", 5, "the zoom reset in the URL")
        until(lambda: chart("cpu")["max"] - chart("cpu")["min"] == 3600_000, 5, "the last hour again")
        browser.find_element(By.CSS_SELECTOR, "#custom-range summary").click()
        set_inputs = "document.getElementById('range-from').value = arguments[0];" \
                     "document.getElementById('range-to').value = arguments[1];"
        browser.execute_script(set_inputs, "2026-01-02T10:00:00", "2026-01-02T09:00:00")
        browser.find_element(By.CSS_SELECTOR, "#range-form button[type=submit]").click()
        error = browser.find_element(By.ID, "range-error")
        until(lambda: error.is_displayed(), 5, "the form's error")
        assert error.text == "From must be before to.", error.text
        assert "from" not in query()
        window = browser.execute_script("""
            const pad = (n) => String(n).padStart(2, '0');
            const local = (ms) => { const d = new Date(ms); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-` +
                `${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; };
            const to = Math.floor(Date.now() / 1000) * 1000, from = to - 120000;
            return [local(from), local(to), from, to];""")
        browser.execute_script(set_inputs, window[0], window[1])
        browser.find_element(By.ID, "range-to").send_keys("\n")  # Enter submits the form
        until(lambda: (chart("cpu")["min"], chart("cpu")["max"]) == (window[2], window[3]), 5, "the typed range")
        assert not error.is_displayed()
        assert browser.execute_script("return Date.parse(arguments[0])", query()["from"]) == window[2]

        # A range in the URL that does not parse is ignored, and the page says so.
        browser.get(hub.url(f"/machine.html?id={machine['machine_id']}&range=6h&from=yesterday&to=now"))
        until(lambda: browser.find_element(By.ID, "error").is_displayed(), 10, "the URL's range refused")
        assert browser.find_element(By.ID, "error").text.startswith("Time range in the URL ignored: from is not a time")
        until(lambda: chart("cpu") and chart("cpu")["max"] - chart("cpu")["min"] == 6 * 3600_000, 10, "the 6 h preset")

        no_alert(browser)
        problems = console_problems(browser)
        assert not problems, problems
    finally:
        hub.kill()


def test_a_single_point_is_drawn_and_explained(browser, tmp_path):
    """A hub that collected once (a new install): every range has one point per series. It is drawn as a dot,
    not lost as a line of one point, and the note under the chart says why there is no more."""
    from selenium.webdriver.common.by import By

    until = waiting(browser)

    hub, machine = start_hub(tmp_path, 3600)
    try:
        for range_name, why in [("30d", "1 point of 1-hour averages"), ("1h", "Only 1 sample in this range.")]:
            browser.get(hub.url(f"/machine.html?id={machine['machine_id']}&range={range_name}"))
            canvas = browser.find_element(By.ID, "chart-load")
            until(lambda: canvas.get_attribute("data-points") == "3", 15, f"one point per load series ({range_name})")
            note = browser.find_element(By.CSS_SELECTOR, '[data-note="load"]')
            until(lambda: note.is_displayed() and why in note.text, 10, f"the note of the {range_name} range")
            assert "No data before" in note.text, note.text
            assert "stored history of this machine starts there" in note.text, note.text
            # The point is drawn: a dot with a radius, inside the plot, with paint around its center (the 30 d
            # window's newest hourly point sits at the plot's right edge, so only the left half of it shows).
            dot = browser.execute_script("""
                const chart = Chart.getChart(arguments[0]);
                const element = chart.getDatasetMeta(0).data[0];
                const area = chart.chartArea;
                const ratio = chart.currentDevicePixelRatio;
                const x = Math.round(element.x * ratio), y = Math.round(element.y * ratio), r = Math.ceil(2 * ratio);
                const pixels = chart.ctx.getImageData(x - r, y - r, 2 * r + 1, 2 * r + 1).data;
                const color = chart.data.datasets[0].borderColor;  // "#rrggbb"
                const rgb = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
                let painted = 0;  // pixels of the series' color (the grid's lines are grey)
                for (let i = 0; i < pixels.length; i += 4) {
                    if (pixels[i + 3] > 128 && rgb.every((c, k) => Math.abs(pixels[i + k] - c) < 48)) painted += 1;
                }
                return {radius: element.options.radius, inside: element.x >= area.left && element.x <= area.right &&
                        element.y >= area.top && element.y <= area.bottom, painted};""", canvas)
            assert dot["radius"] > 0 and dot["inside"] and dot["painted"] >= 4, dot

        # The rules behind the notes and the URL, case by case (the page's own modules, imported in the page).
        rules = browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            Promise.all([import('./js/history-coverage.js'), import('./js/time-range.js')]).then(([c, r]) => {
                const now = Date.parse('2026-12-07T12:00:00Z'), hour = 3600e3;
                const window = {from: now - hour, to: now, live: false, stepMs: 0, gapMs: 15e3, gaps: 0};
                const read = (q) => r.readRange(new URLSearchParams(q));
                done({
                    whole: c.explainCoverage({...window, first: now - hour, last: now, points: 720,
                                              maxPoints: 720}, now),
                    endsEarly: c.explainCoverage({...window, first: now - hour, last: now - hour / 2, points: 300,
                                                   maxPoints: 300}, now),
                    gaps: c.explainCoverage({...window, first: now - hour, last: now, points: 700, maxPoints: 700,
                                             gaps: 2}, now),
                    noneLive: c.explainCoverage({...window, live: true, first: null, last: null, points: 0,
                                                 maxPoints: 0}, now),
                    noneFixed: c.explainCoverage({...window, first: null, last: null, points: 0, maxPoints: 0}, now),
                    fixed: read('range=6h&from=2026-12-07T07:20:00Z&to=1796628900000'),
                    reversed: read('from=2026-12-07T08:00:00Z&to=2026-12-07T07:00:00Z').error,
                    alone: read('range=7d&from=2026-12-07T08:00:00Z').error,
                    tooLong: read('from=2025-01-01T00:00:00Z&to=2026-12-07T07:00:00Z').error,
                    written: r.writeRange(new URLSearchParams('id=m&from=1&to=2'), {preset: '24h', from: 1796628000000,
                                                                                     to: 1796628900000}).toString(),
                    cleared: r.writeRange(new URLSearchParams('id=m&from=1&to=2'), {preset: '1h', from: null,
                                                                                     to: null}).toString(),
                });
            }).catch((error) => done(String(error)));""")
        assert isinstance(rules, dict), rules
        assert rules["whole"] == "", rules
        assert rules["endsEarly"].startswith("No data after "), rules
        assert rules["endsEarly"].endswith("the machine did not report after that."), rules
        assert rules["gaps"] == "Breaks in a line are times the machine did not report.", rules
        assert rules["noneLive"].startswith("No samples in this range yet"), rules
        assert rules["noneFixed"].startswith("No samples between "), rules
        assert rules["fixed"] == {"preset": "6h", "from": 1796628000000, "to": 1796628900000, "error": None}, rules
        assert rules["reversed"] == "Time range in the URL ignored: from must be before to.", rules
        assert "from and to go together" in rules["alone"], rules
        assert "at most 400 days" in rules["tooLong"], rules
        assert rules["written"] == "id=m&from=2026-12-07T07%3A20%3A00Z&to=2026-12-07T07%3A35%3A00Z&range=24h", rules
        assert rules["cleared"] == "id=m&range=1h", rules
        problems = console_problems(browser)
        assert not problems, problems
    finally:
        hub.kill()
