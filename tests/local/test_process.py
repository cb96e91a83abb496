"""One local bronze job: pid files carry the process's identity, and starts go through a lease.

Real processes and real flocks; the launcher only stands in for spark-submit (a process whose
command line carries the same marker), so no Spark is needed to see the races.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from wikistream_dagster.config import load_settings
from wikistream_dagster.local import bronze_control as bc
from wikistream_dagster.local.process import Identity, start_ticks

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)", bc.MARKER]


@pytest.fixture
def settings(tmp_path):
    return load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path / "state")})


@pytest.fixture
def stranger():
    """An unrelated live process (what a reused pid after a reboot would name)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def test_pid_file_of_another_process_is_never_signalled(settings, stranger):
    svc = bc.service(settings)
    svc.run_dir.mkdir(parents=True)
    for content in (
        str(stranger.pid),  # an old bare pid file
        Identity(stranger.pid, start_ticks(stranger.pid) + 1, bc.MARKER).to_json(),  # rebooted
        Identity(stranger.pid, start_ticks(stranger.pid), bc.MARKER).to_json(),  # not bronze
    ):
        svc.pid_file.write_text(content)
        assert svc.pid() is None and not svc.pid_file.exists()
        svc.pid_file.write_text(content)
        assert svc.stop(timeout=1) is False
        assert stranger.poll() is None  # still alive: not signalled


def test_our_process_is_recognised_and_stopped(settings):
    svc = bc.service(settings)
    pid = svc.start(SLEEPER)
    try:
        assert svc.pid() == pid
        assert svc.stop(timeout=5) is True and svc.pid() is None
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def slow_launch(settings, job_args, driver_memory):
    time.sleep(1.0)  # like starting Kafka and the catalog: a wide window for a race
    return SLEEPER, dict(os.environ)


def test_concurrent_starts_make_one_job(settings):
    pids: list[int] = []
    threads = [
        threading.Thread(target=lambda: pids.append(bc.start(settings, [], launch=slow_launch)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(set(pids)) == 1 and bc.service(settings).pid() == pids[0]
        alive = subprocess.run(
            ["pgrep", "-f", f"time.sleep\\(60\\) {bc.MARKER}"], capture_output=True, text=True
        ).stdout.split()
        assert [p for p in alive if int(p) in pids] == [str(pids[0])]
    finally:
        bc.stop(settings, timeout=5)


# spark-submit execs spark-class, which execs java: the same pid runs three programs in its
# first second. While the kernel replaces a program, /proc/<pid>/cmdline reads empty.
EXEC_CHAIN = (
    'if [ "$1" -gt 0 ]; then exec /bin/bash -c "$0" "$0" "$(($1 - 1))" "$2"; fi; sleep 60 & wait'
)


def exec_chain_launch(settings, job_args, driver_memory):
    """A job that replaces its program 400 times (marker kept in argv), then sleeps."""
    return ["/bin/bash", "-c", EXEC_CHAIN, EXEC_CHAIN, "400", bc.MARKER], dict(os.environ)


def test_job_is_ours_while_it_execs_and_a_second_start_waits_for_it(settings):
    """A pid check that lands in an exec (spark-submit -> spark-class -> java) must not
    take the job for a stranger: that deleted the pid file, and the next start (a second
    supervisor run, a double start) launched a second writer beside the first."""
    svc = bc.service(settings)
    pid = bc.start(settings, [], launch=exec_chain_launch)
    try:
        misses = 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            misses += svc.pid() != pid
        assert misses == 0 and svc.pid_file.exists()
        assert bc.start(settings, [], launch=exec_chain_launch) == pid
    finally:
        bc.stop(settings, timeout=5)


def test_held_lease_is_busy_and_refuses_a_foreground_run(settings):
    assert not bc.busy(settings)
    with bc.lease(settings):
        assert bc.busy(settings)
        with pytest.raises(bc.LeaseBusy, match="in progress"):
            bc.run_foreground(settings, [])
    assert not bc.busy(settings)


def test_foreground_run_refused_while_the_supervised_job_runs(settings):
    pid = bc.start(settings, [], launch=lambda *a: (SLEEPER, dict(os.environ)))
    try:
        with pytest.raises(bc.LeaseBusy, match=f"pid {pid}"):
            bc.run_foreground(settings, [])
    finally:
        bc.stop(settings, timeout=5)


def test_detached_control_process_parses_job_args_and_runs(settings):
    """The sensor's way: spawn returns at once and the control process does the work."""
    pid = bc.spawn(settings, "stop", ["--trigger-seconds", "30"], "1g")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    log = (settings.logs_dir / "bronze-stream-control.log").read_text()
    assert "bronze was not running" in log


def test_local_streaming_runner_reports_busy_and_stops_without_blocking(settings):
    """What the sensor sees: busy while the lease is held; stop() hands the wait to a
    detached control process and returns at once."""
    from wikistream_dagster.resources.spark_runner import LocalSparkRunner
    from wikistream_dagster.resources.streaming import LocalStreamingRunner

    runner = LocalStreamingRunner(spark=LocalSparkRunner.from_settings(settings))
    assert runner.status() == runner.status().__class__(False, detail="no bronze process")
    with bc.lease(settings):
        assert runner.status().busy and not runner.status().running
    pid = bc.start(settings, [], launch=lambda *a: (SLEEPER, dict(os.environ)))
    try:
        status = runner.status()
        assert status.running and status.handle == str(pid) and not status.busy
        assert runner.stop() is True  # requested, not waited for
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and runner.status().running:
            time.sleep(0.2)
        assert not runner.status().running
    finally:
        bc.stop(settings, timeout=5)
    assert runner.progress() is None  # no checkpoint yet
