"""Container metrics (docs/operations.md "Container metrics"): a hub's own collector finds a real podman
container's cgroup, names it, and its CPU shows at the hub as `container.cpu.usage_percent{container=<name>}`,
in the history API and in an alert rule matching `container=<name>`.

Needs podman able to run the local base image (scripts/containers/setup-host); skipped with the reason
otherwise, and required under CI=true."""
import shutil
import subprocess
import urllib.parse
import uuid

import pytest

from conftest import BIN, CI, require, wait_for
from test_dashboard import browser, console_problems  # noqa: F401  (browser is a fixture)
from test_hub import Hub, clean_env, hubs, this_machine  # noqa: F401  (hubs is a fixture)

IMAGE = "localhost/debian:bookworm-slim"


def podman(*args, timeout=60):
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def busy_container():
    """A podman container spinning one core, removed afterwards whatever happens."""
    require(shutil.which("podman") is not None, "podman is not installed (scripts/containers/setup-host)")
    name = f"fleetwatch-busy-{uuid.uuid4().hex[:8]}"
    started = podman("run", "-d", "--rm", "--name", name, IMAGE, "sh", "-c", "while :; do :; done")
    if started.returncode != 0:
        reason = f"podman cannot run {IMAGE}: {started.stderr.strip()[-300:]}"
        if CI:
            pytest.fail(f"required under CI: {reason}")
        print(reason)
        pytest.skip(reason)
    try:
        yield name
    finally:
        podman("rm", "-f", "-t", "0", name)


def container_cpu(hub, machine_id, name):
    status, body = hub.get(f"/api/v1/machines/{machine_id}")
    assert status == 200, body
    for sample in body["latest"]:
        if sample["metric"] == "container.cpu.usage_percent" and sample["labels"] == {"container": name}:
            return sample["value"]
    return None


def test_a_podman_containers_cpu_reaches_the_hub_history_and_rules(tmp_path, hubs, busy_container):  # noqa: F811
    name = busy_container
    data = tmp_path / "data"
    hub = Hub(tmp_path, data)
    hubs.append(hub)
    hub.start("--interval", "1").wait_ready()
    machine = wait_for(lambda: this_machine(hub), 30, "this machine at the hub")
    machine_id = machine["machine_id"]

    # Named from podman's containers.json, busy (a spinning shell is near 100 % of one core; under a loaded
    # CI box anything above zero shows the rate is computed).
    cpu = wait_for(lambda: (container_cpu(hub, machine_id, name) or 0) > 0 and container_cpu(hub, machine_id, name),
                   60, f"container.cpu.usage_percent{{container={name}}} > 0")
    assert 0 < cpu <= 100 * 64, cpu
    status, body = hub.get(f"/api/v1/machines/{machine_id}")
    metrics = {s["metric"] for s in body["latest"] if s["labels"].get("container") == name}
    assert {"container.cpu.usage_percent", "container.mem.used_bytes"} <= metrics, metrics

    # The history API knows the container metrics and filters by the label.
    query = urllib.parse.urlencode({"metric": "container.cpu.usage_percent", "label": f"container:{name}", "range": "5m"})
    points = wait_for(lambda: hub.get(f"/api/v1/machines/{machine_id}/history?{query}")[1].get("points"), 60,
                      "history of the container's CPU")
    assert all(point["value"] > 0 for point in points if point.get("value") is not None), points

    # A rule matching container=<name> fires for it (and for no other series).
    env = clean_env(FLEETWATCH_CONFIG_URL=f"http://127.0.0.1:{hub.config_port}",
                    FLEETWATCH_ADMIN_TOKEN_FILE=str(data / "admin-token"))
    created = subprocess.run(
        [BIN, "rules", "create", "--name", "busy container", "--metric", "container.cpu.usage_percent",
         "--op", ">", "--threshold", "0", "--match", f"container={name}", "--output", "json"],
        env=env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr

    def firing():
        status, body = hub.get("/api/v1/alerts?status=firing")
        assert status == 200, body
        return [a for a in body["alerts"] if a.get("labels", {}).get("container") == name] or None

    alerts = wait_for(firing, 60, f"a firing alert for container={name}")
    assert all(a["labels"]["container"] == name for a in alerts), alerts


def test_the_machine_page_lists_the_container(tmp_path, hubs, busy_container, browser):  # noqa: F811
    """The machine page's Containers table shows the podman container by name with its CPU, as text."""
    from selenium.webdriver.common.by import By

    name = busy_container
    hub = Hub(tmp_path, tmp_path / "data")
    hubs.append(hub)
    hub.start("--interval", "1").wait_ready()
    machine_id = wait_for(lambda: this_machine(hub), 30, "this machine at the hub")["machine_id"]
    wait_for(lambda: (container_cpu(hub, machine_id, name) or 0) > 0, 60, "the container's CPU at the hub")

    browser.get(hub.url(f"/machine.html?id={machine_id}"))

    from selenium.common.exceptions import StaleElementReferenceException

    def row_cells():
        # The table is redrawn with every live update: a row found may be replaced before its cells are read.
        try:
            rows = browser.find_elements(By.CSS_SELECTOR, f'#containers tbody tr[data-container="{name}"]')
            if not rows or not browser.find_element(By.ID, "containers-section").is_displayed():
                return None
            return [cell.text for cell in rows[0].find_elements(By.CSS_SELECTOR, "td")]
        except StaleElementReferenceException:
            return None

    cells = wait_for(row_cells, 30, f"the row of {name} in the Containers table")
    assert cells[0] == name, cells
    assert cells[1].endswith("%") and cells[1] != "0 %", cells
    assert cells[2].endswith("B"), cells
    assert console_problems(browser) == []
