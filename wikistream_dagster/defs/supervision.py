"""The bronze supervisor's decision, as a pure function of what it observes.

Kept apart from the sensor so every case (absent, healthy, dead, stalled, restart loop) is a
plain unit test, and the sensor only gathers observations and carries out the decision.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Policy:
    stall_after_s: float = 180.0  # Kafka has data but no new bronze snapshot for this long
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
    kafka_lag: int | None  # records in Kafka not yet in bronze (None: unknown)


@dataclass(frozen=True)
class Decision:
    action: str  # none | start | restart | stop | wait | alert
    reason: str


def decide(obs: Observation, cur: Cursor, now: float, policy: Policy = Policy()) -> Decision:
    """What to do now; the caller applies it and updates the cursor with ``record``."""
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
            f"restart loop: {len(recent)} restarts in "
            f"{policy.loop_window_s / 60:.0f} min; not restarting again",
        )
    if not obs.running:
        if now < cur.next_start_at:
            return Decision("wait", f"backing off: next start in {cur.next_start_at - now:.0f}s")
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
            f"stalled: {obs.kafka_lag} records waiting in Kafka and no "
            f"bronze progress for {now - progress:.0f}s",
        )
    return Decision("none", "healthy")


def record(decision: Decision, cur: Cursor, now: float, policy: Policy = Policy()) -> Cursor:
    """The cursor after carrying out ``decision``."""
    if decision.action == "restart" or (decision.action == "start" and cur.restarts):
        recent = [t for t in cur.restarts if now - t < policy.loop_window_s] + [now]
        delay = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (len(recent) - 1))
        cur.restarts, cur.next_start_at = recent, now + delay
    elif decision.action == "alert":
        cur.alerted = True
    return cur
