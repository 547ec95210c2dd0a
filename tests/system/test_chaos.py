"""The chaos suite's short version (scripts/chaos --short): kill -9 of ingest, a normalizer and a persister, and an
immediate stop of PostgreSQL, under load, on a private RabbitMQ and PostgreSQL; nothing acked lost or duplicated,
no dead letter, every process back to ready by itself."""
import json
import subprocess
from pathlib import Path

from conftest import BIN, CI, ROOT, require


def test_short_chaos_suite_loses_nothing_and_recovers_by_itself():
    require(Path(BIN).exists(), f"{BIN} is not built (swift build)")
    require(Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists(), "rabbitmq-server is not installed")
    require(Path("/usr/lib/postgresql/15/bin/postgres").exists(), "PostgreSQL 15 is not installed")
    result = subprocess.run([str(ROOT / "scripts/chaos"), "--short", "--output", "json", "--bin", BIN],
                            capture_output=True, text=True, timeout=600)
    detail = f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, detail
    report = json.loads(result.stdout)
    assert report["ok"], detail
    faults = {phase["fault"]: phase for phase in report["faults"]}
    assert set(faults) == {"ingest", "normalize", "persist", "postgres"}, detail
    for phase in faults.values():
        assert phase["violations"] == [], detail
        assert phase["lost"] == 0 and phase["duplicated"] == 0 and phase["dlq"] == 0, detail
        assert phase["ready_s"] is not None and phase["flowing_s"] is not None, detail
        assert phase["persisted"] >= phase["acked"] > 0, detail
    assert all(row["acked"] == row["stored"] and row["pending"] == 0 for row in report["collectors"]), detail
    if CI:
        assert report["seconds"] < 180, f"the short suite took {report['seconds']} s, more than CI's 3 minutes"
