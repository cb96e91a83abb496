"""The bronze supervisor's decision, as a pure function of what it observes.

Kept apart from the sensor so every case (absent, healthy, dead, stalled, restart loop) is a
plain unit test, and the sensor only gathers observations and carries out the decision.

Progress means the offsets bronze processed (its checkpoint's newest committed batch) moved,
so an idle, caught-up job is healthy however long the quiet lasts, and a restart followed by
progress was a recovery, not a step of a restart loop.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Policy:
    stall_after_s: float = 180.0  # records wait in Kafka but processed offsets stay put
    backoff_base_s: float = 15.0
    backoff_max_s: float = 600.0
    loop_window_s: float = 1800.0
    loop_max_restarts: int = 5


@dataclass
class Cursor:
    """What the sensor remembers between ticks (serialised into the sensor cursor)."""

    last_snapshot_id: int | None = None
    last_progress_ts: float | None = None
    restarts: list[float] = field(default_factory=list)
    next_start_at: float = 0.0
    alerted: bool = False
    desired_run_id: str | None = None
    processed: dict[str, int] | None = None  # raw-events partition -> next offset processed
    pending_start: bool = False  # a restart stopped the job; start once it is gone

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | None) -> Cursor:
        return cls(**json.loads(raw)) if raw else cls()


@dataclass(frozen=True)
class Observation:
    desired_running: bool
    running: bool
    started_at: float | None
    newest_snapshot_ts: float | None  # epoch seconds of bronze's newest snapshot
    kafka_lag: int | None  # records in Kafka bronze has not processed (None: unknown)
    busy: bool = False  # a start or stop is under way (EMR CANCELLING, local control process)


@dataclass(frozen=True)
class Decision:
    action: str  # none | start | restart | stop | wait | alert
    reason: str


def observe_progress(cur: Cursor, processed: dict[str, int] | None, now: float) -> Cursor:
    """The cursor after seeing bronze's processed offsets: a move is progress, which also
    clears the restart history (those restarts led somewhere: no loop)."""
    if processed is None:
        return cur
    if cur.processed is not None and processed != cur.processed:
        cur.last_progress_ts = now
        cur.restarts, cur.alerted = [], False
    cur.processed = dict(processed)
    return cur


def decide(obs: Observation, cur: Cursor, now: float, policy: Policy = Policy()) -> Decision:
    """What to do now; the caller applies it and updates the cursor with ``record``."""
    if obs.busy:
        return Decision("wait", "a start or stop of bronze is under way")
    if not obs.desired_running:
        if obs.running:
            return Decision("stop", "bronze is set to stopped")
        return Decision("none", "stopped, as desired")
    recent = [t for t in cur.restarts if now - t < policy.loop_window_s]
    if len(recent) >= policy.loop_max_restarts:
        if cur.alerted:
            return Decision("none", "restart loop: waiting for a person (start bronze again)")
        return Decision(
            "alert",
            f"restart loop: {len(recent)} restarts without progress in "
            f"{policy.loop_window_s / 60:.0f} min; not restarting again",
        )
    if not obs.running:
        if now < cur.next_start_at:
            return Decision("wait", f"backing off: next start in {cur.next_start_at - now:.0f}s")
        if cur.pending_start:
            return Decision("start", "restarting: the old job is gone")
        if cur.last_progress_ts is None and not cur.restarts:
            return Decision("start", "bronze is not running")
        return Decision("restart", "bronze died")
    progress = max(
        t
        for t in (obs.started_at, obs.newest_snapshot_ts, cur.last_progress_ts, 0.0)
        if t is not None
    )
    if obs.kafka_lag and now - progress > policy.stall_after_s:
        return Decision(
            "restart",
            f"stalled: {obs.kafka_lag} records waiting in Kafka and bronze's processed "
            f"offsets did not move for {now - progress:.0f}s",
        )
    return Decision("none", "healthy")


def record(
    decision: Decision, cur: Cursor, now: float, policy: Policy = Policy(), running: bool = False
) -> Cursor:
    """The cursor after carrying out ``decision``; restarting a ``running`` job only stops it
    now, and a later tick starts the new one once the old one is gone (never two at once)."""
    if decision.action == "restart":
        recent = [t for t in cur.restarts if now - t < policy.loop_window_s] + [now]
        delay = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (len(recent) - 1))
        cur.restarts, cur.next_start_at = recent, now + delay
        cur.pending_start = running
    elif decision.action in ("start", "stop"):
        cur.pending_start = False
    elif decision.action == "alert":
        cur.alerted = True
    return cur
