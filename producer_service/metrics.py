"""Counters with the accounting identity, served as /health (JSON) and /metrics (Prometheus)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Counters:
    """received = produced + dead_lettered + filtered + in_flight + failed, at every instant."""

    received: int = 0
    produced: int = 0
    dead_lettered: int = 0
    filtered: int = 0
    failed: int = 0
    dlq_reasons: Counter = field(default_factory=Counter)
    filter_reasons: Counter = field(default_factory=Counter)
    connects: int = 0
    reconnects: int = 0
    rewinds: int = 0  # connections that sent a rewound Last-Event-ID
    seeded_ids: int = 0  # ids read at start from the topics' tails into the dedup windows
    seed_seconds: float = 0.0
    http_errors: Counter = field(default_factory=Counter)
    sse_comments: int = 0
    last_canary_dt: str | None = None
    last_event_monotonic: float | None = None
    last_event_dt: str | None = None
    started: float = field(default_factory=time.time)
    connected: bool = False
    fatal: str | None = None

    @property
    def in_flight(self) -> int:
        return self.received - self.produced - self.dead_lettered - self.filtered - self.failed

    def snapshot(self) -> dict:
        return {
            "received": self.received,
            "produced": self.produced,
            "dead_lettered": self.dead_lettered,
            "filtered": self.filtered,
            "in_flight": self.in_flight,
            "delivery_failed": self.failed,
            "dlq_reasons": dict(self.dlq_reasons),
            "filter_reasons": dict(self.filter_reasons),
            "connects": self.connects,
            "reconnects": self.reconnects,
            "rewinds": self.rewinds,
            "duplicates_dropped": self.filter_reasons.get("duplicate", 0),
            "seeded_ids": self.seeded_ids,
            "seed_seconds": round(self.seed_seconds, 3),
            "last_canary_dt": self.last_canary_dt,
            "last_event_dt": self.last_event_dt,
        }

    def prometheus(self) -> str:
        p = "wikistream_producer_"
        lines = [
            f"# HELP {p}events_total Events by outcome; received = sum of the others.",
            f"# TYPE {p}events_total counter",
        ]
        for outcome in ("received", "produced", "dead_lettered", "filtered"):
            lines.append(f'{p}events_total{{outcome="{outcome}"}} {getattr(self, outcome)}')
        lines.append(f'{p}events_total{{outcome="delivery_failed"}} {self.failed}')
        lines += [f"# TYPE {p}in_flight gauge", f"{p}in_flight {self.in_flight}"]
        lines.append(f"# TYPE {p}dead_lettered_total counter")
        lines += [
            f'{p}dead_lettered_total{{reason="{r}"}} {n}'
            for r, n in sorted(self.dlq_reasons.items())
        ]
        lines.append(f"# TYPE {p}filtered_total counter")
        lines += [
            f'{p}filtered_total{{reason="{r}"}} {n}' for r, n in sorted(self.filter_reasons.items())
        ]
        lines += [f"# TYPE {p}reconnects_total counter", f"{p}reconnects_total {self.reconnects}"]
        lines += [f"# TYPE {p}rewinds_total counter", f"{p}rewinds_total {self.rewinds}"]
        dups = self.filter_reasons.get("duplicate", 0)
        lines += [
            f"# TYPE {p}duplicates_dropped_total counter",
            f"{p}duplicates_dropped_total {dups}",
        ]
        lines += [f"# TYPE {p}seeded_ids gauge", f"{p}seeded_ids {self.seeded_ids}"]
        lines.append(f"# TYPE {p}http_errors_total counter")
        lines += [
            f'{p}http_errors_total{{status="{s}"}} {n}' for s, n in sorted(self.http_errors.items())
        ]
        lines += [f"# TYPE {p}connected gauge", f"{p}connected {int(self.connected)}"]
        if self.last_event_monotonic is not None:
            age = time.monotonic() - self.last_event_monotonic
            lines += [
                f"# TYPE {p}last_event_age_seconds gauge",
                f"{p}last_event_age_seconds {age:.3f}",
            ]
        if self.last_canary_dt:
            lines += [
                f"# TYPE {p}last_canary_info gauge",
                f'{p}last_canary_info{{dt="{self.last_canary_dt}"}} 1',
            ]
        return "\n".join(lines) + "\n"


def metrics_app(counters: Counters) -> web.Application:
    async def health(_request: web.Request) -> web.Response:
        body = {
            "status": "failed" if counters.fatal else "ok",
            "connected": counters.connected,
            **counters.snapshot(),
        }
        if counters.fatal:
            body["error"] = counters.fatal
        return web.json_response(body, status=503 if counters.fatal else 200)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=counters.prometheus(), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    return app
