"""``./wikistream up``: the whole local stack in the foreground; Ctrl-C stops all of it."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from producer_service.settings import flag
from wikistream_dagster.config import DEFAULT_SSE_URL, Settings, cli_defaults
from wikistream_dagster.local import bronze_control, catalog, kafka, setup

log = logging.getLogger(__name__)
DEFAULT_UA = (
    "WikiStream/0.1 (https://github.com/wikistream/wikistream; "
    "local laptop stack - set PRODUCER_USER_AGENT to add your contact)"
)


def producer_command(
    sse_url: str, bootstrap: str, state_dir: Path | str, user_agent: str, **flags: object
) -> list[str]:
    """``python -m producer_service`` as the stack, the tests and the benchmarks start it:
    source, broker, position file and User-Agent, plus ``flags`` (``metrics_port=0`` ->
    ``--metrics-port 0``)."""
    cmd = [sys.executable, "-m", "producer_service", "--sse-url", sse_url]
    cmd += ["--bootstrap-servers", bootstrap, "--state-dir", str(state_dir)]
    cmd += ["--user-agent", user_agent]
    for name, value in flags.items():
        cmd += [flag(name), str(value)]
    return cmd


def live_reachable(url: str = DEFAULT_SSE_URL, timeout: float = 4.0) -> bool:
    """True if the live EventStreams endpoint answers (any HTTP status but 5xx)."""
    req = urllib.request.Request(
        url, headers={"User-Agent": DEFAULT_UA, "Accept": "text/event-stream"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError, TimeoutError):
        return False


@dataclass
class Child:
    """A foreground child process, restarted with backoff if it dies."""

    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    env: dict | None = None
    log_path: str = ""

    def start(self, settings: Settings) -> None:
        settings.logs_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = str(settings.logs_dir / f"{self.name}.log")
        out = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            self.argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=self.env,
            cwd=settings.root,
        )
        log.info("started", extra={"child": self.name, "pid": self.proc.pid, "log": self.log_path})

    def check(self, settings: Settings) -> None:
        if self.proc is None or self.proc.poll() is None:
            return
        now = time.monotonic()
        if not self.next_start:
            self.restarts += 1
            delay = min(60, 2 ** min(self.restarts, 6))
            self.next_start = now + delay
            log.error(
                "process exited; restarting",
                extra={
                    "child": self.name,
                    "exit_code": self.proc.returncode,
                    "in_s": delay,
                    "log": self.log_path,
                },
            )
        elif now >= self.next_start:
            self.next_start = 0.0
            self.start(settings)

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        log.info("stopped", extra={"child": self.name, "exit_code": self.proc.returncode})


def _children(
    settings: Settings, source: str, with_dagster: bool, replay_speed: float = 1.0
) -> list[Child]:
    py = sys.executable
    children = []
    if source == "live":
        url = DEFAULT_SSE_URL
    else:
        url = settings.replay_url
        children.append(
            Child(
                "replay",
                [
                    py,
                    "-m",
                    "wikistream_dagster",
                    "replay",
                    "--loop",
                    "--speed",
                    str(replay_speed),
                    "--port",
                    str(settings.replay_port),
                ],
            )
        )
    ua = cli_defaults().user_agent or DEFAULT_UA
    children.append(
        Child(
            "producer",
            producer_command(
                url,
                settings.kafka_bootstrap,
                settings.path("producer", source),
                ua,
                metrics_port=settings.producer_metrics_port,
            ),
        )
    )
    if with_dagster:
        from wikistream_dagster.local import dagster_home

        children.append(
            Child("dagster", dagster_home.dev_command(settings), env=dagster_home.dev_env(settings))
        )
    return children


def _progress(settings: Settings) -> dict | None:
    url = settings.producer_health_url
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def up(
    settings: Settings,
    source: str = "auto",
    progress_every: float = 10.0,
    with_dagster: bool = True,
    replay_speed: float = 1.0,
) -> int:
    """Set up what is missing, start everything, report progress until Ctrl-C, stop it all."""
    setup.ensure_all(settings)
    if source == "auto":
        source = "live" if live_reachable() else "replay"
        log.info(
            "event source chosen",
            extra={
                "source": source,
                "why": "live stream reachable"
                if source == "live"
                else "live stream unreachable: replaying the bundled real recording (looped)",
            },
        )
    else:
        log.info("event source", extra={"source": source})
    stopping = {"flag": False}

    def _stop(signum, _frame):
        stopping["flag"] = True

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    kafka.start(settings)
    catalog.start(settings)
    children = _children(settings, source, with_dagster, replay_speed)
    try:
        for child in children:
            child.start(settings)
        last, last_n = time.monotonic(), 0
        while not stopping["flag"]:
            time.sleep(0.5)
            for child in children:
                child.check(settings)
            if time.monotonic() - last >= progress_every:
                h = _progress(settings) or {}
                n = h.get("received", 0)
                log.info(
                    "stack running",
                    extra={
                        "source": source,
                        "events_per_s": round((n - last_n) / progress_every, 1),
                        "received": n,
                        "produced": h.get("produced"),
                        "dead_lettered": h.get("dead_lettered"),
                        "filtered": h.get("filtered"),
                        "kafka": settings.kafka_bootstrap,
                    },
                )
                last, last_n = time.monotonic(), n
    finally:
        log.info("stopping the local stack")
        for child in reversed(children):
            child.stop()
        bronze_control.stop(settings, timeout=60)  # under the lease: no start races the stop
        catalog.stop(settings)
        kafka.stop(settings)
        for s, handler in old.items():
            signal.signal(s, handler)
    return 0
