"""Background services of the local stack, tracked by pid files in the state directory.

A pid file holds the process's identity, not only its pid: the start time from
``/proc/<pid>/stat`` and, optionally, a marker its command line must contain. A pid file that
survived a reboot (or a pid the kernel reused) names a different process, which is then never
signalled.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikistream_dagster.config import Settings

log = logging.getLogger(__name__)


class ServiceError(RuntimeError):
    """A local service failed to start or stop; the message names the log file to read."""


def default_stop_signals() -> None:
    """Take back SIGINT and SIGTERM if this process inherited them ignored; call it first
    thing in a process that starts services.

    A shell starts background jobs (``cmd &``, ``nohup``, CI runners) with SIGINT ignored, an
    ignored signal stays ignored across ``exec``, and Dagster's ``setup_interrupt_handlers``
    (``dagster dev``, its code servers and run workers) gives SIGTERM SIGINT's disposition: every
    process below, the bronze Spark job included, then ignored SIGTERM and was SIGKILLed after
    the stop timeout (60 s) instead of stopping.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; a process's entry point runs there
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port free on the loopback interface now (tests and benchmarks bind theirs here)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_free_ports(settings: Settings) -> Settings:
    """``settings`` with every local service (each ``*_port`` field) on a port free now: an
    isolated stack for tests and benchmarks beside a running one."""
    ports = [f.name for f in dataclasses.fields(Settings) if f.name.endswith("_port")]
    return dataclasses.replace(settings, **{name: free_port() for name in ports})


def wait_for_port(port: int, timeout_s: float, host: str = "127.0.0.1") -> bool:
    """Poll until something listens on ``host:port``; False if nothing did in ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not port_open(host, port, timeout=0.2):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _settled_cmdline(pid: int, timeout: float = 2.0) -> str:
    """The command line of a live process, also while it is replacing its program: during an
    ``exec`` (spark-submit execs spark-class, which execs java) the kernel shows an empty one
    until the new program's arguments are in place, so read again until it is not empty."""
    deadline = time.monotonic() + timeout
    while not (cmd := cmdline(pid)) and time.monotonic() < deadline and _alive(pid):
        time.sleep(0.002)
    return cmd


@dataclass(frozen=True)
class Identity:
    """What makes a pid ours: the pid, its start time and a command-line marker."""

    pid: int
    start_ticks: int | None = None
    marker: str = ""

    def to_json(self) -> str:
        return json.dumps({"pid": self.pid, "start_ticks": self.start_ticks, "marker": self.marker})

    @classmethod
    def parse(cls, raw: str) -> Identity:
        raw = raw.strip()
        if raw.isdigit():  # older pid files: a bare pid, no start time to compare
            return cls(int(raw))
        d = json.loads(raw)
        return cls(int(d["pid"]), d.get("start_ticks"), d.get("marker") or "")

    def matches(self) -> bool:
        """True only if the live process with this pid is the one that was started."""
        if not _alive(self.pid):
            return False
        if self.start_ticks is None:
            return False  # cannot prove it is ours: never signal it
        if start_ticks(self.pid) != self.start_ticks:
            return False
        return not self.marker or self.marker in _settled_cmdline(self.pid)


@dataclass(frozen=True)
class Service:
    """One detached process (a JVM, a server) with a pid file and a log file."""

    name: str
    run_dir: Path
    logs_dir: Path
    marker: str = ""  # a string the process's command line keeps (also after exec)

    @classmethod
    def of(cls, settings: Settings, name: str, marker: str = "") -> Service:
        """A service of the local stack: its pid and log files in the state directory."""
        return cls(name, settings.run_dir, settings.logs_dir, marker)

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.logs_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The running process's pid, or None (a stale or foreign pid file is removed)."""
        try:
            ident = Identity.parse(self.pid_file.read_text())
        except (OSError, ValueError, KeyError):
            return None
        if ident.matches():
            return ident.pid
        if _alive(ident.pid):
            log.warning(
                "pid file names a process that is not ours; ignoring it",
                extra={"service": self.name, "pid": ident.pid, "pid_file": str(self.pid_file)},
            )
        self.pid_file.unlink(missing_ok=True)
        return None

    def start(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> int:
        """Start detached (own session, survives the CLI), output appended to the log file."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(
                list(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        ident = Identity(proc.pid, start_ticks(proc.pid), self.marker)
        tmp = self.pid_file.with_suffix(".tmp")
        tmp.write_text(ident.to_json())
        tmp.replace(self.pid_file)
        log.info(
            "service started",
            extra={"service": self.name, "pid": proc.pid, "log": str(self.log_file)},
        )
        return proc.pid

    def wait_port(self, host: str, port: int, timeout: float) -> None:
        """Wait until ``host:port`` accepts connections; fail fast if the process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_open(host, port):
                return
            if self.pid() is None:
                raise ServiceError(
                    f"{self.name} exited during start-up: read {self.log_file} "
                    f"(last lines: {self.tail()})"
                )
            time.sleep(0.2)
        raise ServiceError(
            f"{self.name} did not listen on {host}:{port} within {timeout:.0f}s: "
            f"read {self.log_file} (last lines: {self.tail()})"
        )

    def tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "no log"

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM, then SIGKILL after ``timeout``; True if a process was stopped."""
        pid = self.pid()
        if pid is None:
            return False
        os.killpg(pid, signal.SIGTERM) if _is_group_leader(pid) else os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            _reap(pid)
            time.sleep(0.1)
        if _alive(pid):
            log.warning("service ignored SIGTERM, killing", extra={"service": self.name})
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        log.info("service stopped", extra={"service": self.name, "pid": pid})
        return True


def _is_group_leader(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return False


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
