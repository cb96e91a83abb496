"""Services we start stop on SIGTERM, also when our own parent ignores SIGINT and SIGTERM.

A background job (``cmd &``, ``nohup``, a CI runner) starts with SIGINT ignored, and Dagster's
``setup_interrupt_handlers`` gives SIGTERM the same disposition in ``dagster dev``, its code
servers and run workers; an ignored signal is inherited across ``exec``. Measured in the chaos
run: ``dagster dev`` and the bronze job (started by the supervisor's run) both ignored SIGTERM
and were SIGKILLed after 60 s each. Linux only: the dispositions are read from ``/proc``.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from wikistream_dagster.config import child_env
from wikistream_dagster.local import bronze_control as bc
from wikistream_dagster.local import catalog as catalog_service
from wikistream_dagster.local import kafka
from wikistream_dagster.local.process import on_free_ports

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads signal dispositions from /proc"
)


def _ignore_stop_signals() -> None:
    """The disposition a background job starts with (and Dagster then copies to SIGTERM)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _ignored(pid: int) -> set[int]:
    """The signals ``pid`` ignores."""
    return _ignored_in(Path(f"/proc/{pid}/status").read_text())


def _ignored_in(status: str) -> set[int]:
    """The signals a process ignores, from the ``SigIgn`` line of its /proc/<pid>/status."""
    for line in status.splitlines():
        if line.startswith("SigIgn:"):
            mask = int(line.split()[1], 16)
            return {n for n in range(1, 65) if mask >> (n - 1) & 1}
    raise AssertionError(f"no SigIgn line in {status[:200]!r}")


def _stops_on_sigterm(pid: int, group: bool, timeout: float) -> bool:
    os.killpg(pid, signal.SIGTERM) if group else os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_cli_started_service_stops_on_sigterm(stack_settings, tmp_path):
    """``./wikistream catalog start`` from a parent ignoring both: the catalog still stops."""
    settings = dataclasses.replace(
        stack_settings, state_dir=tmp_path / "state", catalog_port=free_port()
    )
    cmd = [sys.executable, "-m", "wikistream_dagster", "catalog", "start"]
    env = child_env() | settings.to_env()
    subprocess.run(cmd, env=env, preexec_fn=_ignore_stop_signals, check=True, timeout=180)
    try:
        pid = catalog_service.service(settings).pid()
        assert pid is not None
        assert not {signal.SIGINT, signal.SIGTERM} & _ignored(pid), _ignored(pid)
        assert _stops_on_sigterm(pid, group=False, timeout=30)
    finally:
        catalog_service.stop(settings)


@pytest.mark.slow
def test_bronze_job_started_by_the_control_process_stops_on_sigterm(stack_settings, tmp_path):
    """The supervisor's way to start bronze (a detached control process, spawned by a Dagster
    run worker that ignores both signals): the Spark job stops on SIGTERM. The control process
    starts a broker and a catalog of this test's own (free ports, its own state directory)."""
    settings = on_free_ports(dataclasses.replace(stack_settings, state_dir=tmp_path / "state"))
    env = child_env() | settings.to_env()
    cmd = [sys.executable, "-m", bc.__name__, "start", "--trigger-seconds", "5"]
    subprocess.run(cmd, env=env, cwd=settings.root, preexec_fn=_ignore_stop_signals, timeout=180)
    try:
        pid = bc.service(settings).pid()
        assert pid is not None, _text(settings.logs_dir / f"{bc.NAME}-control.log")
        log = settings.logs_dir / f"{bc.NAME}.log"
        deadline = time.monotonic() + 180  # the Spark driver (Python) is up
        while time.monotonic() < deadline and "spark session ready" not in _text(log):
            time.sleep(1)
        assert "spark session ready" in _text(log), _text(log)[-3000:]
        assert signal.SIGTERM not in _ignored(pid), _ignored(pid)
        assert _stops_on_sigterm(pid, group=True, timeout=60), "bronze ignored SIGTERM"
    finally:
        bc.stop(settings, timeout=5)
        catalog_service.stop(settings)
        kafka.stop(settings)


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_batch_job_launcher_hands_default_stop_signals(tmp_path):
    """The medallion Spark jobs start through ``local.low_priority`` from a run worker that
    ignores both signals: the job it becomes must stop when its run is terminated."""
    probe = "import pathlib; print(pathlib.Path('/proc/self/status').read_text())"
    cmd = [sys.executable, "-m", "wikistream_dagster.local.low_priority", "5", "--"]
    cmd += [sys.executable, "-c", probe]
    out = subprocess.run(
        cmd, preexec_fn=_ignore_stop_signals, capture_output=True, text=True, check=True
    ).stdout
    ignored = _ignored_in(out)
    assert not {signal.SIGINT, signal.SIGTERM} & ignored, ignored
