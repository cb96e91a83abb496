"""Exactly one local bronze job: every start and stop happens under one flock'ed lease.

The supervisor sensor, a manual ``bronze_start`` run and ``./wikistream spark bronze`` all take
``<run>/bronze-stream.lease`` before they look at the job and act, so concurrent starts see each
other's job instead of making a second one. Starting takes up to a minute (Kafka, the catalog)
and stopping waits for the job, longer than a sensor tick may last: the sensor therefore runs
them in a detached control process (``python -m wikistream_dagster.local.bronze_control``) that
holds the lease while it works, and reads "busy" from the held lease on its next ticks.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from wikistream_dagster.config import Settings, child_env, load_settings
from wikistream_dagster.local.process import Service, default_stop_signals

log = logging.getLogger(__name__)

NAME = "bronze-stream"
MARKER = "bronze_stream.py"  # stays in the command line after spark-submit execs the JVM


class LeaseBusy(RuntimeError):
    """Another start, stop or foreground bronze run holds the lease."""


def service(settings: Settings) -> Service:
    return Service.of(settings, NAME, MARKER)


def lease_file(settings: Settings) -> Path:
    return settings.run_dir / f"{NAME}.lease"


@contextmanager
def lease(settings: Settings, wait: bool = True) -> Iterator[None]:
    """Hold the bronze lease (an exclusive flock, released by the kernel if we die)."""
    path = lease_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            f.seek(0)
            raise LeaseBusy(
                f"the bronze lease {path} is held ({f.read().strip() or 'unknown holder'}): "
                "a start, stop or foreground bronze run is in progress; wait for it or stop it "
                "(./wikistream stop bronze / the bronze_stop job)"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}: {' '.join(sys.argv)[:200]}")
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def busy(settings: Settings) -> bool:
    """True while someone holds the lease (a control process or a foreground run)."""
    try:
        with lease(settings, wait=False):
            return False
    except LeaseBusy:
        return True


Launch = Callable[[Settings, Sequence[str], str], tuple[list[str], dict[str, str]]]


def spark_launch(
    settings: Settings, job_args: Sequence[str], driver_memory: str
) -> tuple[list[str], dict[str, str]]:
    """Kafka and the catalog up, then the bronze ``spark-submit`` command and environment."""
    from wikistream_dagster.local import catalog, kafka, spark_submit

    jars = spark_submit.prepare(settings)
    kafka.start(settings)
    catalog.start(settings)
    cmd = spark_submit.spark_submit_command(settings, "bronze", job_args, jars, driver_memory)
    return cmd, spark_submit.spark_submit_env(settings)


def start(
    settings: Settings,
    job_args: Sequence[str],
    driver_memory: str = "1g",
    launch: Launch = spark_launch,
) -> int:
    """Start the detached bronze job unless ours is already running; returns its pid."""
    with lease(settings):
        svc = service(settings)
        running = svc.pid()
        if running is not None:
            log.info("bronze already running", extra={"pid": running})
            return running
        cmd, env = launch(settings, job_args, driver_memory)
        return svc.start(cmd, env=env, cwd=settings.root)


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Stop our bronze job (SIGTERM, SIGKILL after ``timeout``); True if one was running."""
    with lease(settings):
        return service(settings).stop(timeout=timeout)


def run_foreground(settings: Settings, job_args: Sequence[str]) -> int:
    """``./wikistream spark bronze``: refuses while the supervised job runs or the lease is held."""
    from wikistream_dagster.local import spark_submit

    with lease(settings, wait=False):
        pid = service(settings).pid()
        if pid is not None:
            raise LeaseBusy(
                f"the supervised bronze job is running (pid {pid}): two writers on one "
                "checkpoint would race; stop it first (the bronze_stop job) or use it"
            )
        return spark_submit.run_job(settings, "bronze", job_args)


def spawn(settings: Settings, action: str, job_args: Sequence[str], driver_memory: str) -> int:
    """Run ``action`` (start | stop) in a detached control process; returns its pid."""
    argv = [sys.executable, "-m", __name__, "--driver-memory", driver_memory, action]
    env = child_env() | settings.to_env()
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.logs_dir / f"{NAME}-control.log", "ab") as out:
        proc = subprocess.Popen(
            [*argv, *job_args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=settings.root,
            start_new_session=True,
        )
    return proc.pid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="start or stop the local bronze job")
    parser.add_argument("--driver-memory", default="1g")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("job_args", nargs=argparse.REMAINDER, help="bronze job arguments")
    args = parser.parse_args(argv)
    default_stop_signals()  # spawned by a run worker that ignores SIGTERM: the job must not
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    if args.action == "start":
        log.info("bronze started: pid %s", start(settings, args.job_args, args.driver_memory))
    else:
        log.info("bronze stopped" if stop(settings) else "bronze was not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
