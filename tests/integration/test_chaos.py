"""A short chaos run (``./wikistream bench chaos --minutes 4``) on the whole local stack: the
replay twin, producer, Kafka, catalog, ``dagster dev`` with the bronze supervisor and the
schedule, under a producer kill -9, a mid-frame server close, a bronze kill -9, poison records
at the source and in raw-events and an idle gap; nothing may be lost, duplicated or halted."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from wikistream_dagster.bench.scratch import processes_mentioning

pytestmark = pytest.mark.slow
MINUTES = 4
TIMEOUT_S = 1500  # the stack's start, 4 minutes of faults, the drain and a medallion run


def _run_chaos() -> tuple[int, str, str]:
    cmd = [sys.executable, "-m", "wikistream_dagster", "bench", "chaos", "--json"]
    cmd += ["--minutes", str(MINUTES), "--seed", "10"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)  # the run stops everything it started on the way out
        out, err = proc.communicate(timeout=240)
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.timeout(TIMEOUT_S + 300)
def test_short_chaos_run_loses_nothing_and_halts_nothing():
    code, out, err = _run_chaos()
    state = re.search(r'"state_dir":\s*"([^"]+)"', err)
    assert state, err[-3000:]
    assert not processes_mentioning(state.group(1)), "the chaos run left processes running"
    lines = out.strip().splitlines()
    assert lines, err[-3000:]
    f = json.loads(lines[-1])
    summary = "\n".join(lines[:-1])
    kinds = f["fault_kinds"]
    for kind in ("producer_kill9", "bronze_kill9", "poison_raw", "poison_source", "idle_gap"):
        assert kinds.get(kind, 0) >= 1, (kind, f["faults_not_injected"], summary)
    assert kinds.get("close_after_id", 0) + kinds.get("close_in_data", 0) >= 1, summary
    assert f["events_served"] > 1000, summary
    assert f["lost"] == 0 and f["raw_duplicates"] == 0, summary
    assert f["bronze_duplicates"] == 0 and f["silver_duplicates"] == 0, summary
    assert f["gold_mismatches"] == 0, f["gold_mismatch_examples"]
    assert all(p["dlq_reason"] for p in f["poison"].values()), f["poison"]
    assert f["dlq_records"] >= len(f["poison"]) >= 2, summary
    assert f["restarts"] >= 1 and f["idle_restarts"] == 0, summary
    assert not f["halted"], f["halted_because"]
    assert f["ok"] and code == 0, (f["failed"], f["bronze_overlaps"])
