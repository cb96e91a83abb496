"""The replay server's shared state and options (read by every connection and control call)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from aiohttp import web

from wikistream_dagster.local.replay_stream import CLOSE_MODES, Conn
from wikistream_dagster.local.timeline import Timeline

DISCONNECT_MODES = (*CLOSE_MODES, "cycle")


@dataclass(frozen=True)
class ServeOptions:
    """How streams are served and closed (see :func:`build_app`)."""

    speed: float = 0.0
    disconnect_every: int | None = None
    disconnect_mode: str = "clean"
    close_after_s: float | None = 900.0
    served_log: Path | None = None

    def __post_init__(self) -> None:
        if self.speed < 0:
            raise ValueError(f"speed={self.speed} must be >= 0 (0 = as fast as possible)")
        if self.disconnect_every is not None and self.disconnect_every < 1:
            raise ValueError(f"disconnect_every={self.disconnect_every} must be >= 1")
        if self.disconnect_mode not in DISCONNECT_MODES:
            raise ValueError(
                f"disconnect_mode={self.disconnect_mode!r}: use one of "
                + ", ".join(DISCONNECT_MODES)
            )
        if self.close_after_s is not None and self.close_after_s <= 0:
            raise ValueError(f"close_after_s={self.close_after_s} must be > 0 (or None: never)")


@dataclass
class PauseClock:
    """Clocks that stop while the server is paused: pacing and loop placement follow them, so
    a pause delays events and drops none."""

    paused_since: float | None = None
    paused_total: float = 0.0

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def pause(self) -> None:
        if self.paused_since is None:
            self.paused_since = time.monotonic()

    def resume(self) -> None:
        if self.paused_since is not None:
            self.paused_total += time.monotonic() - self.paused_since
            self.paused_since = None

    def paused_s(self) -> float:
        now = time.monotonic()
        return self.paused_total + (now - self.paused_since if self.paused_since else 0.0)

    def mono(self) -> float:
        """time.monotonic() without the paused time (pacing)."""
        return time.monotonic() - self.paused_s()

    def now_ms(self) -> int:
        """Wall time without the paused time, in ms (where loops are placed)."""
        return int((time.time() - self.paused_s()) * 1000)


@dataclass
class ServerState:
    timeline: Timeline
    options: ServeOptions
    clock: PauseClock
    started: float = field(default_factory=time.monotonic)
    served: int = 0  # frames written completely
    partial_frames: int = 0
    connections: int = 0
    active: int = 0
    closes: dict[str, int] = field(default_factory=dict)
    last_user_agent: str = ""
    cuts: int = 0
    served_log: IO[str] | None = None
    conns: dict[asyncio.Task, Conn] = field(default_factory=dict)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def next_cut_mode(self) -> str:
        mode = self.options.disconnect_mode
        if mode == "cycle":
            mode = CLOSE_MODES[self.cuts % len(CLOSE_MODES)]
        self.cuts += 1
        return mode

    def wake_all(self) -> None:
        for conn in self.conns.values():
            conn.wake.set()

    def stats(self) -> dict:
        tl, o = self.timeline, self.options
        return {
            "events_loaded": tl.n,
            "events_served": self.served,
            "served_complete": self.served,
            "partial_frames": self.partial_frames,
            "connections": self.connections,
            "active_connections": self.active,
            "closes": dict(self.closes),
            "loops_started": len(tl.offsets) if tl.loop else None,
            "loop_run": tl.run if tl.loop else None,
            "speed": o.speed,
            "loop": tl.loop,
            "disconnect_every": o.disconnect_every,
            "disconnect_mode": o.disconnect_mode,
            "close_after_s": o.close_after_s,
            "paused": self.clock.paused,
            "injected": len(tl.injected),
            "end_offsets": tl.end_offsets(),
            "uptime_s": round(time.monotonic() - self.started, 3),
            "last_user_agent": self.last_user_agent,
        }


STATE = web.AppKey("wikistream_replay", ServerState)
