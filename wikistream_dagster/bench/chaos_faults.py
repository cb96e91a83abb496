"""The chaos run's faults: a plan drawn from a seed, and the code that injects each kind.

A full run (>= 20 minutes) injects every kind the issue lists; a shorter one scales the counts
down (keeping one of each core kind) and shortens the idle gap, so a test can run it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass
from types import ModuleType

from wikistream_dagster.bench.chaos_stack import ChaosStack
from wikistream_dagster.bench.scratch import descendants
from wikistream_dagster.config import RAW_TOPIC
from wikistream_dagster.local import catalog, kafka

log = logging.getLogger(__name__)

FULL_MINUTES = 20
# kind -> how many in a full run
FULL_COUNTS = {
    "producer_kill9": 3,
    "producer_sigterm": 2,
    "close_clean": 1,
    "close_drop": 1,
    "close_after_id": 1,
    "close_in_data": 1,
    "broker_restart": 2,
    "bronze_kill9": 3,
    "catalog_restart": 1,
    "poison_source": 1,
    "poison_raw": 1,
    "double_start": 1,
}
CORE = ("producer_kill9", "bronze_kill9", "poison_source", "poison_raw")  # always at least one
POISON_TIMESTAMP = 10_000_000_000_000  # seconds: bronze's timestamp_seconds overflows a long


@dataclass(frozen=True)
class Fault:
    at_s: float  # seconds into the fault phase
    kind: str
    seconds: float = 0.0  # how long it lasts (idle gap)


def idle_gap_seconds(minutes: float) -> float:
    """>= 5 minutes in a full run (longer than the supervisor's stall limit), shorter below."""
    return 330.0 if minutes >= FULL_MINUTES else max(30.0, min(330.0, minutes * 15))


def plan(minutes: float, seed: int) -> list[Fault]:
    """The faults of a run of ``minutes`` on ``seed``, in time order, none inside the idle gap."""
    rng = random.Random(seed)
    total = minutes * 60
    scale = min(1.0, minutes / FULL_MINUTES)
    kinds: list[str] = []
    for kind, n in FULL_COUNTS.items():
        kinds += [kind] * max(int(n * scale + 0.5), 1 if kind in CORE else 0)
    if scale < 1 and not any(k in kinds for k in ("close_after_id", "close_in_data")):
        kinds.append(rng.choice(["close_after_id", "close_in_data"]))  # one mid-frame cut
    rng.shuffle(kinds)
    gap = idle_gap_seconds(minutes)
    gap_at = round(rng.uniform(0.4, 0.5) * total)
    margin = 20.0
    before = max(0.0, gap_at - margin - 10)  # usable seconds before and after the gap
    after = max(0.0, total - (gap_at + gap + margin) - 10)
    slot = (before + after) / max(1, len(kinds))
    faults = [Fault(gap_at, "idle_gap", gap)]
    for i, kind in enumerate(kinds):
        t = 10 + (i + rng.uniform(0.2, 0.8)) * slot
        faults.append(Fault(round(t if t < 10 + before else t + gap + 2 * margin, 1), kind))
    return sorted(faults, key=lambda f: f.at_s)


class Injector:
    """Carries out faults on a :class:`ChaosStack`; remembers what it did for the accounting."""

    def __init__(self, stack: ChaosStack) -> None:
        self.stack = stack
        self.done: list[dict] = []  # {kind, at, ok, detail}
        self.poison_ids: dict[str, str] = {}  # meta.id -> "source" | "raw"
        self.idle: tuple[float, float] | None = None  # (start, end) epoch seconds
        self.double_start_pid: str | None = None

    def inject(self, fault: Fault) -> None:
        started = time.time()
        try:
            ok, detail = getattr(self, fault.kind)(fault)
        except Exception as exc:  # noqa: BLE001 - a fault that fails is reported, not fatal
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        entry = {"kind": fault.kind, "at": round(started, 1), "ok": ok, "detail": detail}
        self.done.append(entry)
        log.info("chaos: fault", extra=entry | {"at_s": fault.at_s})

    # --- producer -----------------------------------------------------------------------------
    def _producer_signal(self, sig: int) -> tuple[bool, str]:
        st, p = self.stack, self.stack.producer
        if not st.alive(p):
            return False, "producer was not running"
        pid = p.proc.pid
        st.signal_child(p, sig)
        code = p.proc.wait(60)
        time.sleep(1)
        p.start(st.s)
        return True, f"pid {pid} exited with {code}; restarted"

    def producer_kill9(self, _f: Fault) -> tuple[bool, str]:
        return self._producer_signal(signal.SIGKILL)

    def producer_sigterm(self, _f: Fault) -> tuple[bool, str]:
        return self._producer_signal(signal.SIGTERM)

    # --- source -------------------------------------------------------------------------------
    def _close(self, mode: str) -> tuple[bool, str]:
        if self.stack.twin_control(f"close?mode={mode}"):
            return True, f"twin closed the streams ({mode})"
        return False, "the replay server has no /control/close (today's replay)"

    def close_clean(self, _f: Fault) -> tuple[bool, str]:
        return self._close("clean")

    def close_drop(self, _f: Fault) -> tuple[bool, str]:
        return self._close("drop")

    def close_after_id(self, _f: Fault) -> tuple[bool, str]:
        return self._close("after_id")

    def close_in_data(self, _f: Fault) -> tuple[bool, str]:
        return self._close("in_data")

    def idle_gap(self, f: Fault) -> tuple[bool, str]:
        """No events for ``f.seconds``: the twin pauses (today's replay: SIGSTOP/SIGCONT)."""
        st, deadline = self.stack, time.monotonic() + 180
        while time.monotonic() < deadline and not self._bronze_settled():
            time.sleep(2)  # a restart after an earlier fault is not the gap's doing
        start = time.time()
        paused = st.twin_control("pause")
        if not paused:
            st.signal_child(st.replay, signal.SIGSTOP)
        time.sleep(f.seconds)
        if paused:
            st.twin_control("resume")
        else:
            st.signal_child(st.replay, signal.SIGCONT)
        self.idle = (start, time.time())
        how = "/control/pause" if paused else "SIGSTOP of the replay server"
        return True, f"{f.seconds:.0f}s without events ({how})"

    def _bronze_settled(self, for_s: float = 45) -> bool:
        pids = self.stack.bronze_pids
        return (
            bool(self.stack.bronze_writers()) and bool(pids) and time.time() - pids[-1][0] > for_s
        )

    def _poison_event(self) -> dict:
        event_id = str(uuid.uuid4())
        now = time.gmtime()
        return {
            "$schema": "/mediawiki/recentchange/1.0.0",
            "meta": {
                "id": event_id,
                "dt": time.strftime("%Y-%m-%dT%H:%M:%SZ", now),
                "domain": "chaos.wikipedia.org",
                "stream": "mediawiki.recentchange",
                "uri": "https://chaos.wikipedia.org/wiki/Poison",
            },
            "type": "edit",
            "wiki": "chaoswiki",
            "title": "Poison",
            "namespace": 0,
            "user": "Chaos",
            "bot": False,
            "timestamp": POISON_TIMESTAMP,
            "length": {"old": 10, "new": 20},
            "revision": {"old": 1, "new": 2},
        }

    def poison_source(self, _f: Fault) -> tuple[bool, str]:
        event = self._poison_event()
        if not self.stack.twin_control("inject", json.dumps(event).encode()):
            return False, "the replay server has no /control/inject (today's replay)"
        self.poison_ids[event["meta"]["id"]] = "source"
        return True, f"served {event['meta']['id']} with timestamp {POISON_TIMESTAMP}"

    def poison_raw(self, _f: Fault) -> tuple[bool, str]:
        from confluent_kafka import Producer

        event = self._poison_event()
        p = Producer({"bootstrap.servers": self.stack.s.kafka_bootstrap})
        p.produce(RAW_TOPIC, json.dumps(event).encode(), event["meta"]["id"].encode())
        if p.flush(30):
            return False, "raw-events did not acknowledge the poison record"
        self.poison_ids[event["meta"]["id"]] = "raw"
        return True, f"wrote {event['meta']['id']} to {RAW_TOPIC} with timestamp {POISON_TIMESTAMP}"

    # --- services -----------------------------------------------------------------------------
    def _restart(self, service: ModuleType) -> float:
        """Stop a local service (``local.kafka``, ``local.catalog``), wait 5 s, start it again
        on the same state dir; return how many seconds it was down."""
        t0 = time.monotonic()
        service.stop(self.stack.s)
        time.sleep(5)
        service.start(self.stack.s)
        return time.monotonic() - t0

    def broker_restart(self, _f: Fault) -> tuple[bool, str]:
        return True, f"broker down {self._restart(kafka):.0f}s, same state dir"

    def catalog_restart(self, _f: Fault) -> tuple[bool, str]:
        return True, f"catalog down {self._restart(catalog):.0f}s"

    def bronze_kill9(self, _f: Fault) -> tuple[bool, str]:
        deadline = time.monotonic() + 90  # the sensor may still be restarting it
        while not (writers := self.stack.bronze_writers()) and time.monotonic() < deadline:
            time.sleep(2)
        if not writers:
            return False, "no bronze job running to kill"
        self.stack.note_writers(writers)
        pids = descendants(writers)
        for pid in pids:  # spark-submit, its JVM and Python driver, without warning
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return True, f"killed bronze tree {sorted(pids)}"

    def double_start(self, _f: Fault) -> tuple[bool, str]:
        """Start the bronze job directly while the sensor's is running (a second writer)."""
        from wikistream_dagster.definitions import local_resources

        if not self.stack.bronze_writers():
            return False, "no bronze job running to race"
        streaming = local_resources(self.stack.s)["streaming"]
        try:
            self.double_start_pid = streaming.start()
        except Exception as exc:  # noqa: BLE001 - refusing is the right outcome
            return True, f"second start refused: {exc}"
        return True, f"second start returned {self.double_start_pid}"
