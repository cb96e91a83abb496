"""``run_replay_server`` as a process: a start log line, then a clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.local.replay_client import read

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_process_logs_url_and_stops_cleanly(sig):
    port = _free_port()
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
