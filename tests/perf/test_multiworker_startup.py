"""First start of `fitguide serve --workers 2` on an empty var dir with the demo catalog.

Both workers start at once: one migrates the database and imports the demo catalog while the other
waits on the start-up lock; one builds the demo index snapshot while the other waits on the build lock
and then loads it. No worker logs an error, and each logs its start-up phases.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.servers import START_TIMEOUT_SECONDS, ServerProcess, log_records

pytestmark = pytest.mark.slow


def test_two_workers_share_one_migration_demo_import_and_index_build(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "var", workers=2, load_demo="true", log_level="INFO")
    server.start()
    log_path = server.log_path
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while len([r for r in log_records(log_path) if r.get("msg") == "startup"]) < 2:
            assert time.monotonic() < deadline, "both workers did not finish starting"
            time.sleep(0.3)
        response = httpx.post(
            f"{server.url}/api/chat", json={"merchant_id": "demo", "message": "jeans"}, timeout=30
        )
        assert response.status_code == 200 and response.json()["products"]
    finally:
        server.stop()

    records = log_records(log_path)
    errors = [r for r in records if r.get("level") in ("ERROR", "CRITICAL")]
    assert not errors, errors[:3]
    messages = Counter(r.get("msg") for r in records)
    assert messages["demo merchant created"] == 1
    built = [r for r in records if r.get("msg") == "index built" and r.get("merchant_id") == "demo"]
    assert len(built) == 1, "exactly one worker embeds and builds the demo snapshot"
    loaded_by = {
        r["pid"] for r in records if r.get("msg") == "index loaded" and r.get("merchant_id") == "demo"
    }
    assert loaded_by - {built[0]["pid"]}, "the other worker loads the snapshot from disk"
    startups = [r for r in records if r.get("msg") == "startup"]
    assert {r["pid"] for r in startups} == {r["pid"] for r in startups if "index" in r["phases"]}
    assert len({r["pid"] for r in startups}) == 2
