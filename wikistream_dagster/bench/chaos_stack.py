"""The local stack a chaos run drives piece by piece: broker, catalog, the replay twin, the
producer and ``dagster dev`` (bronze_supervisor sensor + medallion schedule), each one
killable and restartable on its own, all in one scratch state directory."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from wikistream_dagster.bench.scratch import (
    descendants,
    process_table,
    processes_mentioning,
    scratch_stack,
    spark_drivers,
)
from wikistream_dagster.config import Settings
from wikistream_dagster.local import bronze_control, catalog, kafka, setup, stack
from wikistream_dagster.local.process import Service, cmdline

log = logging.getLogger(__name__)
REPLAY_SPEED = 2.5  # as bench e2e: the recording's ~12 events/s become the live ~30/s
DISORDER_MS = 300


def replay_flags() -> set[str]:
    """The flags ``./wikistream replay`` accepts (the twin grows new ones over time)."""
    out = subprocess.run(
        [sys.executable, "-m", "wikistream_dagster", "replay", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return {w.strip("[],") for w in out.split() if w.startswith(("--", "[--"))}


class ChaosStack:
    """Starts, faults and stops the stack; ``close`` kills whatever of it is still running."""

    def __init__(self, settings: Settings, seed: int) -> None:
        self.state, self.env, self.s = scratch_stack(settings, "wikistream-chaos-")
        self.served_log = self.state / "served.log"
        self.flags = replay_flags()
        children = stack._children(self.s, "replay", True, REPLAY_SPEED)
        self.replay, self.producer, self.dagster = children
        self.replay.argv += self._twin_args(seed)
        for child in children:
            child.env = child.env or self.env
        self.bronze_pids: list[tuple[float, int]] = []  # (first seen, root pid) of each writer
        self.max_writers = 0
        self.overlaps: list[dict] = []  # when more than one writer ran: when and which
        self.unexpected_exits: list[dict] = []
        self.last_progress = 0.0
        self._watching = threading.Event()
        self._lock = threading.Lock()
        self._seen: set[int] = set()

    def _twin_args(self, seed: int) -> list[str]:
        wanted = {
            "--whole-seconds": [],
            "--disorder-ms": [str(DISORDER_MS)],
            "--served-log": [str(self.served_log)],
            "--seed": [str(seed)],
        }
        return [x for flag, rest in wanted.items() if flag in self.flags for x in (flag, *rest)]

    # --- start / stop -------------------------------------------------------------------------
    def start_source(self) -> None:
        """Broker, catalog and the twin (an audit client connects before the producer does)."""
        setup.ensure_all(self.s)
        kafka.start(self.s)
        catalog.start(self.s)
        self.replay.start(self.s)
        deadline = time.monotonic() + 60
        while self.twin_stats() is None:
            if time.monotonic() > deadline or not self.alive(self.replay):
                raise RuntimeError(f"the replay server did not start: read {self.replay.log_path}")
            time.sleep(0.5)

    def start_pipeline(self) -> None:
        """The producer and ``dagster dev`` (its sensor starts bronze); watch bronze writers."""
        self.producer.start(self.s)
        self.dagster.start(self.s)
        threading.Thread(target=self._watch_bronze, daemon=True, name="bronze-watch").start()

    def bronze_service(self) -> Service:
        return bronze_control.service(self.s)

    def bronze_writers(self) -> set[int]:
        """The driver JVMs of the bronze jobs running on this stack (one per writer; each is
        the root of its job's tree: spark-submit's pid, its Python driver below it)."""
        return spark_drivers(process_table(str(self.state)), bronze_control.MARKER)

    def note_writers(self, writers: set[int]) -> None:
        """Record bronze jobs not seen before (also one killed before the next poll saw it)."""
        with self._lock:
            self.max_writers = max(self.max_writers, len(writers))
            if len(writers) > 1:
                seen = {pid: cmdline(pid)[:300] for pid in sorted(writers)}
                self.overlaps.append({"at": round(time.time(), 1), "writers": seen})
                log.warning("chaos: more than one bronze writer", extra={"writers": seen})
            for pid in sorted(writers - self._seen):
                self._seen.add(pid)
                self.bronze_pids.append((time.time(), pid))
                log.info("chaos: bronze writer seen", extra={"pid": pid, "writers": len(writers)})

    def _watch_bronze(self) -> None:
        while not self._watching.is_set():
            self.note_writers(self.bronze_writers())
            self._watching.wait(2)

    def alive(self, child: stack.Child) -> bool:
        return child.proc is not None and child.proc.poll() is None

    def signal_child(self, child: stack.Child, sig: int) -> None:
        if self.alive(child):
            os.killpg(child.proc.pid, sig)

    def stop_child(self, child: stack.Child, timeout: float = 60) -> None:
        if not self.alive(child):
            return
        os.killpg(child.proc.pid, signal.SIGINT if child is self.dagster else signal.SIGTERM)
        try:
            child.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.proc.pid, signal.SIGKILL)
            child.proc.wait(10)

    def close(self) -> None:
        """Stop everything this run started, whatever state it is in (also after a failure)."""
        self._watching.set()
        for child in (self.dagster, self.producer, self.replay):
            try:
                self.stop_child(child, timeout=30)
            except (OSError, subprocess.TimeoutExpired) as exc:
                log.warning("chaos: stop failed", extra={"child": child.name, "error": str(exc)})
        for stop in (lambda: self.bronze_service().stop(timeout=30), self._stop_catalog):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - clean up the rest anyway
                log.warning("chaos: stop failed", extra={"error": str(exc)})
        kafka.stop(self.s)
        leftovers = processes_mentioning(str(self.state))  # orphans: a second writer, a run
        _kill_trees(set(leftovers))
        if leftovers:
            log.info("chaos: killed leftover processes", extra={"pids": sorted(leftovers)})

    def stop_bronze(self) -> None:
        """The supervised job, and any second writer a double start left behind."""
        self.bronze_service().stop(timeout=60)
        _kill_trees(self.bronze_writers())

    def kill_strays(self) -> None:
        """Everything of this run but the broker and the catalog (e.g. a cut-off Spark job)."""
        keep = descendants(
            {p for p in (kafka.service(self.s).pid(), catalog.service(self.s).pid())}
        )
        strays = set(processes_mentioning(str(self.state))) - keep
        if strays:
            log.info("chaos: killing stray processes", extra={"pids": sorted(strays)})
        _kill_trees(strays)

    def _stop_catalog(self) -> None:
        catalog.stop(self.s)

    # --- observation --------------------------------------------------------------------------
    def producer_health(self) -> dict | None:
        return _get_json(self.s.producer_health_url)

    def twin_stats(self) -> dict | None:
        return _get_json(f"http://127.0.0.1:{self.s.replay_port}/stats")

    def twin_control(self, action: str, body: bytes | None = None) -> bool:
        """``POST /control/<action>`` on the twin; False if it has no such endpoint."""
        url = f"http://127.0.0.1:{self.s.replay_port}/control/{action}"
        req = urllib.request.Request(url, data=body or b"", method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return 200 <= resp.status < 300
        except (urllib.error.URLError, OSError):
            return False

    def alerts(self) -> str:
        """The alerts raised in this run (the local alerter's file: restart loops, failed runs)."""
        try:
            return (self.s.logs_dir / "alerts.jsonl").read_text(errors="replace")
        except OSError:
            return ""


def _kill_trees(roots: set[int]) -> None:
    for pid in descendants(roots):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
