"""The fleet overview at 10,000 machines (issue 13, point 1) in a real headless Chromium: `fleetwatch hub` and
`fleetwatch loadgen --machines 10000`, then the page measured with the browser's own Performance and Long Tasks
APIs. Fails past the figures of docs/benchmarks.md, "Fleet overview at 10,000 machines":

- **all rows in 1 s** (a returning visit: the page's files cached; the first visit is recorded too): from navigation start (performance.timeOrigin) to the first frame painted after the
  overview rendered the live snapshot, with the UI's own count at 10,000 machines (the `fleet:snapshot-painted`
  mark web/js/fleet.js sets: a task queued from requestAnimationFrame, so it runs after that frame's paint);
- **a filter in 100 ms**: from each keystroke's input event (its timeStamp) to the first paint after the rows
  changed, for every key of a search typed by WebDriver one key at a time (each after the previous one's paint);
- **no long task** (> 50 ms) in a 5 s steady-state window while live updates arrive.

Needs Debian's chromium and chromium-driver and pip's selenium: skipped locally when missing, a failure under
CI=true. Set FLEETWATCH_BIN to the release build for figures worth comparing (the debug hub needs most of both
cores for 10,000 machines @ 30 s); FLEETWATCH_OVERVIEW_MACHINES and FLEETWATCH_OVERVIEW_INTERVAL change the load.
"""
import json
import os
import subprocess
import time
import urllib.request

import pytest

from conftest import BIN, wait_for
from test_dashboard import browser  # noqa: F401  (the fixture)
from test_hub import Hub, clean_env

# A benchmark with pass/fail figures, not part of the suite (timed figures on a shared 2-core CI box would be
# noise): scripts/bench-overview runs it with the release build.
pytestmark = pytest.mark.skipif(
    os.environ.get("FLEETWATCH_BENCH_OVERVIEW") != "1",
    reason="a benchmark: run scripts/bench-overview (FLEETWATCH_BENCH_OVERVIEW=1, release build)")

MACHINES = int(os.environ.get("FLEETWATCH_OVERVIEW_MACHINES", "10000"))
INTERVAL = os.environ.get("FLEETWATCH_OVERVIEW_INTERVAL", "30")
ALL_ROWS_MS = 1000
FILTER_MS = 100
LONG_TASK_MS = 50
STEADY_WINDOW_S = 5

# Installed before any page script: long tasks (the page cannot miss early ones), WebSocket messages, and the
# time from each input event to the first paint after it.
INSTRUMENT = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push({start: e.startTime, duration: e.duration});
}).observe({type: "longtask", buffered: true});
window.__wsMessages = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => window.__wsMessages.push({at: performance.now(), bytes: e.data.length}));
  }
};
window.__inputToPaint = [];
document.addEventListener("input", (event) => {
  const start = event.timeStamp;
  requestAnimationFrame(() => setTimeout(() => window.__inputToPaint.push(performance.now() - start), 0));
}, true);
"""


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def loaded_hub(tmp_path):
    hub = Hub(tmp_path, tmp_path / "data")
    # Thresholds above the interval: a machine reporting every 30 s is online, as a real fleet would be configured.
    hub.start("--no-collect", "--stale-after", "75s", "--offline-after", "150s").wait_ready()
    loadgen = subprocess.Popen(
        [BIN, "loadgen", "--machines", str(MACHINES), "--interval", INTERVAL, "--duration", "600",
         "--ingest-url", f"http://127.0.0.1:{hub.ingest_port}", "--token-file", str(tmp_path / "data" / "token")],
        env=clean_env(), stdout=subprocess.DEVNULL, stderr=open(tmp_path / "loadgen.err", "wb"))
    try:
        def all_reported():
            try:
                return get_json(hub.url("/api/v1/machines?synthetic=show&limit=1"))["total"] >= MACHINES
            except OSError:
                return False  # busy with loadgen's first round
        wait_for(all_reported, float(INTERVAL) * 3, f"{MACHINES} machines on the hub", interval=1)
        yield hub
    finally:
        loadgen.terminate()
        loadgen.wait(10)
        hub.kill()


def test_overview_at_10000_machines(loaded_hub, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def until(condition, timeout, what):
        return WebDriverWait(browser, timeout).until(lambda d: condition(), message=f"waiting for {what}")

    def js(script, *args):
        return browser.execute_script(script, *args)

    def rendered_ids():
        return js("return [...document.querySelectorAll('#machines tbody tr[data-machine-id]')].map(r => r.dataset.machineId)")

    figures = {}
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENT})
    # REST answers the same filters (the dashboard's first page, and scripts).
    page = get_json(loaded_hub.url("/api/v1/machines?synthetic=show&label=env%3Dprod&limit=5"))
    assert page["total"] == len(range(0, MACHINES, 3)) and len(page["machines"]) == 5 and page["next_offset"] == 5
    assert get_json(loaded_hub.url("/api/v1/machines?synthetic=hide&limit=1"))["total"] == 0, "every machine is loadgen's"
    assert get_json(loaded_hub.url("/api/v1/machines?limit=1"))["total"] == MACHINES, "without parameters: every machine"

    # --- every machine, rendered -------------------------------------------------------------------------
    # The first visit fetches the page's files (recorded, not judged: on this shared box it is dominated by
    # serving the static files while the hub ingests); the judged figure is a returning visit.
    browser.get(loaded_hub.url("/?synthetic=show"))
    until(lambda: js("return performance.getEntriesByName('fleet:snapshot-painted').length") == 1, 30,
          "the live snapshot painted (first visit)")
    figures["first_visit_all_rows_painted_ms"] = round(
        js("return performance.getEntriesByName('fleet:snapshot-painted')[0].startTime"))
    browser.get(loaded_hub.url("/?synthetic=show"))
    until(lambda: js("return performance.getEntriesByName('fleet:snapshot-painted').length") == 1, 30,
          "the live snapshot painted")
    mark = js("const m = performance.getEntriesByName('fleet:snapshot-painted')[0]; return {at: m.startTime, detail: m.detail}")
    first = js("const m = performance.getEntriesByName('fleet:rows-painted')[0]; return m ? m.startTime : null")
    figures["first_rows_painted_ms"] = round(first)
    figures["all_rows_painted_ms"] = round(mark["at"])
    assert mark["detail"]["known"] == MACHINES and mark["detail"]["total"] == MACHINES, mark
    assert int(browser.find_element(By.ID, "summary").get_attribute("data-total")) == MACHINES
    rows_in_dom = len(rendered_ids())
    figures["rows_in_dom"] = rows_in_dom
    assert 0 < rows_in_dom < 100, f"only the rows in view are rendered, not {rows_in_dom}"

    # --- a search, typed -------------------------------------------------------------------------------
    target = f"sim-{MACHINES - 1}"
    search = browser.find_element(By.ID, "f-q")
    js("window.__inputToPaint = []")
    # One key at a time, as a person types: WebDriver alone would send all eight in one burst, and each key's
    # time would then include the keys queued before it.
    for typed, key in enumerate(target, start=1):
        search.send_keys(key)
        until(lambda: js("return window.__inputToPaint.length") == typed, 5, f"a paint after key {typed}")
    until(lambda: rendered_ids() == [target], 10, f"only {target} listed")
    times = js("return window.__inputToPaint")
    figures["filter_keystroke_to_paint_ms"] = [round(t) for t in times]
    figures["filter_keystroke_to_paint_ms_max"] = round(max(times), 1)
    assert f"q={target}" in js("return location.search")

    # A label filter and grouping: counts per group, the URL keeps them, back restores the previous view.
    search.clear()
    js("document.getElementById('f-q').dispatchEvent(new Event('input', {bubbles: true}))")
    browser.find_element(By.ID, "f-label").send_keys("env=staging")
    until(lambda: int(browser.find_element(By.ID, "summary").get_attribute("data-total")) == len(range(1, MACHINES, 3)),
          10, "the env=staging machines")
    js("const g = document.getElementById('f-group'); g.value = 'env'; g.dispatchEvent(new Event('change', {bubbles: true}))")
    until(lambda: js("return document.querySelector('#machines tr.group')?.dataset.group") == "staging", 10,
          "a group header")
    assert "group=env" in js("return location.search") and "label=env%3Dstaging" in js("return location.search")
    browser.back()
    until(lambda: js("return document.getElementById('f-group').value") == "", 10, "back: no grouping")
    assert browser.find_element(By.ID, "f-label").get_attribute("value") == "env=staging"

    # --- steady state ------------------------------------------------------------------------------------
    browser.get(loaded_hub.url("/?synthetic=show"))
    until(lambda: js("return performance.getEntriesByName('fleet:snapshot-painted').length") == 1, 30,
          "the live snapshot painted again")
    time.sleep(2)  # the snapshot's own tasks are the load, not the steady state
    start = js("return performance.now()")
    time.sleep(STEADY_WINDOW_S)
    end = js("return performance.now()")
    tasks = js("return window.__longTasks.filter(t => t.start >= arguments[0] && t.start < arguments[1])", start, end)
    messages = js("return window.__wsMessages.filter(m => m.at >= arguments[0] && m.at < arguments[1])", start, end)
    figures["steady_long_tasks"] = len(tasks)
    figures["steady_long_task_max_ms"] = round(max((t["duration"] for t in tasks), default=0))
    figures["steady_ws_messages_per_s"] = round(len(messages) / STEADY_WINDOW_S, 1)
    figures["steady_ws_kib_per_s"] = round(sum(m["bytes"] for m in messages) / 1024 / STEADY_WINDOW_S)

    problems = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    print("overview figures:", json.dumps(figures))
    assert not problems, problems
    assert figures["all_rows_painted_ms"] <= ALL_ROWS_MS, figures
    assert figures["filter_keystroke_to_paint_ms_max"] <= FILTER_MS, figures
    assert figures["steady_long_task_max_ms"] <= LONG_TASK_MS, figures
