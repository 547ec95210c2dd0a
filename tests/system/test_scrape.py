"""A node_exporter source (issue 14, part 4): `fleetwatch scrape` scrapes Debian's prometheus-node-exporter, which
the test starts itself on a free port, and streams its batches into a hub. The machine appears with canonical
series (CPU, memory, load, file systems) and with a family Fleetwatch has no name for, passed through as-is.
Against a hub that requires machine credentials, the scraper enrolls with a join token like the agent does."""
import os
import shutil
import stat
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import BIN, Process, free_port, require, wait_for
from test_hub import Hub, clean_env, mem_total_bytes, read_only

MACHINE = "node-exporter-test"


@pytest.fixture
def node_exporter(tmp_path):
    binary = shutil.which("prometheus-node-exporter")
    require(binary, "prometheus-node-exporter is missing: apt-get install prometheus-node-exporter (scripts/install-deps)")
    port = free_port()
    log = open(tmp_path / "node_exporter.log", "wb")
    proc = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/metrics"

    def answers():
        assert proc.poll() is None, (tmp_path / "node_exporter.log").read_text()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(answers, 20, "node_exporter answering /metrics")
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture
def hub(tmp_path):
    require(os.path.exists(BIN), f"{BIN} is not built")
    hub = Hub(tmp_path, tmp_path / "data")
    hub.start("--no-collect").wait_ready()
    yield hub
    hub.kill()


def scraper(tmp_path, hub, url, *extra):
    env = clean_env(FLEETWATCH_TOKEN=(hub.data_dir / "token").read_text().strip(),
                    FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{hub.ingest_port}")
    return Process("scrape", ["scrape", "--url", url, "--interval", "1", "--machine-id", MACHINE,
                              "--data-dir", str(tmp_path / "scrape-data"), *extra], env, tmp_path).start()


def latest(hub):
    """The newest value of each series of the scraped machine: {(metric, ((label, value), …)): value}."""
    status, body = hub.get(f"/api/v1/machines/{MACHINE}")
    if status == 404:
        return {}
    assert status == 200, body
    return {(s["metric"], tuple(sorted(s["labels"].items()))): s["value"] for s in body["latest"]}


def test_a_node_exporter_machine_joins_with_canonical_series_and_pass_through_families(tmp_path, hub, node_exporter):
    scrape = scraper(tmp_path, hub, node_exporter)
    try:
        scrape.wait_ready()

        def complete():
            series = latest(hub)
            names = {metric for metric, _ in series}
            wanted = {"cpu.usage_percent", "mem.used_percent", "mem.total_bytes", "load.1m", "disk.used_percent",
                      "host.uptime_seconds", "node_exporter_build_info", "node_procs_running"}
            return series if wanted <= names else None

        series = wait_for(complete, 40, "canonical and pass-through series of the scraped machine")
        assert 0 <= series[("cpu.usage_percent", (("cpu", "total"),))] <= 100
        assert series[("mem.total_bytes", ())] == mem_total_bytes()
        assert 0 < series[("mem.used_percent", ())] < 100
        assert series[("load.1m", ())] >= 0
        assert 0 <= series[("disk.used_percent", (("mount", "/"),))] <= 100
        assert any(metric == "net.recv_bytes_per_s" for metric, _ in series)
        # Not a canonical name: it passes through under its own name, with its labels.
        build = [labels for metric, labels in series if metric == "node_exporter_build_info"]
        assert build and dict(build[0])["version"], build
        # The mapped families themselves do not pass through.
        assert not any(metric in ("node_cpu_seconds_total", "node_load1", "node_memory_MemTotal_bytes")
                       for metric, _ in series)

        status, machines = hub.get("/api/v1/machines")
        machine = next(m for m in machines["machines"] if m["machine_id"] == MACHINE)
        assert machine["status"] == "online"
        assert machine["cores"] == os.cpu_count()
        assert machine["summary"]["cpu_percent"] is not None and machine["summary"]["mem_percent"] is not None

        # Pass-through families are stored like any other series (the history API answers canonical names only).
        assert ("node_procs_running", ()) in series

        def stored():
            with read_only(hub.data_dir / "fleetwatch.sqlite") as db:
                return db.execute(
                    "SELECT count(*) FROM ticks JOIN layouts ON layouts.id = ticks.layout "
                    "WHERE ticks.machine_id = ? AND layouts.metrics LIKE '%node_procs_running%'", (MACHINE,)).fetchone()[0]

        wait_for(stored, 20, "ticks of the scraped machine holding node_procs_running in SQLite")
    finally:
        assert scrape.stop() == 0


def test_a_stopped_exporter_is_logged_once_and_scraping_resumes(tmp_path, hub):
    require(shutil.which("prometheus-node-exporter"), "prometheus-node-exporter is missing (scripts/install-deps)")
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    scrape = scraper(tmp_path, hub, url)
    try:
        wait_for(lambda: "scrape failed" in scrape.tail(), 20, "the failed scrape in the log")
        exporter = subprocess.Popen([shutil.which("prometheus-node-exporter"), f"--web.listen-address=127.0.0.1:{port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: ("load.1m", ()) in latest(hub), 40, "series once the exporter is up")
            assert "scrapes succeed again" in scrape.tail(200)
            failures = [line for line in scrape.tail(500).splitlines() if "scrape failed" in line and "warning" in line]
            assert len(failures) == 1, failures
        finally:
            exporter.terminate()
            exporter.wait(10)
    finally:
        assert scrape.stop() == 0


def test_a_scraper_enrolls_where_machine_credentials_are_required_and_keeps_its_credential(tmp_path, node_exporter):
    join = "join-" + "5" * 24
    hub = Hub(tmp_path, tmp_path / "enroll-data", name="enroll-hub")
    hub.start("--no-collect", "--join-token", join, "--require-machine-credentials").wait_ready()
    data = tmp_path / "scrape-enroll"

    def scraper_with(name, **tokens):
        env = clean_env(FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{hub.ingest_port}", **tokens)
        return Process(name, ["scrape", "--url", node_exporter, "--interval", "1", "--machine-id", MACHINE,
                              "--data-dir", str(data)], env, tmp_path).start()

    def last_seen():
        machines = hub.get("/api/v1/machines")[1]["machines"]
        return next((m["last_seen_ms"] for m in machines if m["machine_id"] == MACHINE), None)

    try:
        # The shared token alone publishes nothing here.
        shared = scraper_with("scrape-shared", FLEETWATCH_TOKEN=(hub.data_dir / "token").read_text().strip())
        wait_for(lambda: "the shared collector token may not publish" in shared.tail(), 30, "the shared token refused")
        assert last_seen() is None
        assert shared.stop() == 0

        scrape = scraper_with("scrape-join", FLEETWATCH_JOIN_TOKEN=join)
        credential_file = data / "scrape/credential"
        wait_for(credential_file.exists, 30, "the scraper's credential file")
        assert stat.S_IMODE(credential_file.stat().st_mode) == 0o600
        credential = credential_file.read_text().strip()
        assert credential.startswith("fwm_") and join not in credential
        first = wait_for(last_seen, 30, f"{MACHINE} listed once its batches arrive with its own credential")
        assert scrape.stop() == 0

        # Restarted without the join token, it publishes with the stored credential. Only a batch stamped after the
        # restart proves it: the first scraper's last batches may still arrive after `first` was read.
        restarted_ms = max(first, int(time.time() * 1000))
        again = scraper_with("scrape-again")
        wait_for(lambda: (last_seen() or 0) > restarted_ms, 30, "batches again with the stored credential")
        assert credential_file.read_text().strip() == credential
        assert again.stop() == 0
    finally:
        hub.kill()


def test_a_bad_url_is_a_clear_error(tmp_path):
    require(os.path.exists(BIN), f"{BIN} is not built")
    result = subprocess.run([BIN, "scrape", "--url", "ftp://example/metrics", "--data-dir", str(tmp_path)],
                            env=clean_env(), capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert result.stderr.startswith("error: FLEETWATCH_SCRAPE_URL: expected http://host:port/path"), result.stderr
