"""``run_replay_server`` as a process: a start log line, then a clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.local.replay_client import read, read_raw
from wikistream_dagster.local.process import free_port, wait_for_port

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import logging, sys
from pathlib import Path
from wikistream_dagster.local.replay import default_recording, run_replay_server
class Fmt(logging.Formatter):
    def format(self, r):
        return f"{r.getMessage()} url={getattr(r, 'url', '')} events={getattr(r, 'events', '')}"
handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(Fmt())
logging.basicConfig(level=logging.INFO, handlers=[handler])
run_replay_server(default_recording(), host="127.0.0.1", port=int(sys.argv[1]), speed=1.0,
                  loop=True, disconnect_every=None)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_process_logs_url_and_stops_cleanly(sig):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        line = ""
        while "replay server listening" not in line:
            line = proc.stderr.readline()
            assert line, "the server exited before listening"
        assert f"url=http://127.0.0.1:{port}/v2/stream/recentchange events=3818" in line
        res = read(f"http://127.0.0.1:{port}/v2/stream/recentchange", max_frames=1)
        assert res.status == 200 and len(res.frames) == 1
        t0 = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(10) == 0
        assert time.monotonic() - t0 < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_flags_reach_the_server(tmp_path: Path):
    """``./wikistream replay`` with the twin's flags: whole seconds, switchover, drops, log."""
    port, log = free_port(), tmp_path / "served.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "wikistream_dagster", "replay", "--port", str(port)]
    cmd += ["--speed", "0", "--whole-seconds", "--disorder-ms", "400", "--seed", "3"]
    cmd += ["--switchover-at", "10", "--disconnect-every", "25", "--disconnect-mode", "drop"]
    cmd += ["--close-after-s", "60", "--served-log", str(log)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_port(port, 20)
        got = read_raw(url + "/v2/stream/recentchange")
        stats = read(url + "/stats").body
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    assert got.how == "aborted" and len(got.frames) == 25
    topics = [[e["topic"] for e in f.entries if "timestamp" in e] for f in got.frames]
    assert topics[9] == ["eqiad.mediawiki.recentchange"]
    assert topics[10] == ["eqiad.mediawiki.recentchange", "codfw.mediawiki.recentchange"]
    stamps = [e["timestamp"] for f in got.frames for e in f.entries if "timestamp" in e]
    assert all(t % 1000 == 1 for t in stamps)
    assert log.read_text().split() == [f.obj["meta"]["id"] for f in got.frames]
    assert json.loads(stats)["disconnect_mode"] == "drop"
