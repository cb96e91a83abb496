"""The producer's main loop: connect, read frames, classify, produce, track acks, resume."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sys
import time

from aiohttp import web

from producer_service import events
from producer_service.backoff import Backoff
from producer_service.connection import ConnectionLoop
from producer_service.dedup import RecentKeys, dlq_key
from producer_service.jsonlog import setup_logging
from producer_service.kafka_sink import KafkaSink, producer_config
from producer_service.metrics import Counters, metrics_app
from producer_service.position import AckTracker, PositionStore
from producer_service.resume import advance
from producer_service.seed import start_seeding
from producer_service.settings import ProducerSettings, SettingsError, parse_settings
from producer_service.sse_client import FatalHTTPError
from producer_service.sse_parser import Frame

log = logging.getLogger("producer_service")

SAVE_EVERY = 1.0


class ProducerService(ConnectionLoop):
    def __init__(self, settings: ProducerSettings, sink: KafkaSink | None = None) -> None:
        self.s = settings
        self.counters = Counters()
        self.tracker = AckTracker()
        self.store = PositionStore(settings.state_dir)
        self.sink = sink or KafkaSink(producer_config(settings))
        self.backoff = Backoff(settings.backoff_initial, settings.backoff_max)
        self.stopping = asyncio.Event()
        # resume.advance merges ``latest_id`` into ``resume_id`` at each connect and the committed
        # id into ``_saved_id`` at each save (per frame it would cost ~5 us an event)
        self.resume_id: str | None = None
        self.latest_id: str | None = None
        self.resume_at: float | None = None  # when the newest new event was received (epoch s)
        self.recent_raw = RecentKeys(settings.dedup_window)
        self.recent_dlq = RecentKeys(settings.dedup_window)
        self.seeded: asyncio.Future | None = None  # done once both windows are seeded
        self._saved_id: str | None = None
        self._committed_seen: str | None = None
        self._idle_since = time.monotonic()
        self.metrics_port: int | None = None
        self._first_event: float | None = None

    # --- per event -------------------------------------------------------------------------
    def _delivered(self, seq: int, dlq: bool, err, _msg) -> None:
        c = self.counters
        if err is not None:
            c.failed += 1
            c.fatal = f"Kafka did not acknowledge an event: {err}"
            log.error("delivery failed", extra={"error": str(err), "dlq": dlq})
            self.stopping.set()
            return
        if dlq:
            c.dead_lettered += 1
        else:
            c.produced += 1
        self.tracker.done(seq)

    def _verdict(self, frame: Frame) -> tuple[events.Verdict, bytes | None]:
        """Classify; a cut frame or a re-sent event (by meta.id / DLQ key) is filtered."""
        if frame.truncated:  # WHATWG: never dispatched; the rewind reads it again on resume
            return events.Verdict("filter", "incomplete_frame"), None
        verdict, _event = events.classify(frame, self.s.max_event_bytes)
        if verdict.action == "raw":
            key, recent = verdict.key, self.recent_raw
        elif verdict.action == "dlq":
            key, recent = dlq_key(verdict.event_id, frame.data), self.recent_dlq
        else:
            return verdict, None
        if key in recent:
            return events.Verdict("filter", "duplicate", event_id=verdict.event_id), key
        recent.add(key)
        return verdict, key

    def handle(self, frame: Frame) -> None:
        c = self.counters
        c.received += 1
        now = time.time()
        if self._first_event is None:
            self._first_event = time.monotonic()
        c.last_event_monotonic = time.monotonic()
        verdict, key = self._verdict(frame)
        new = verdict.reason not in ("duplicate", "incomplete_frame")
        if new:  # re-sent duplicates are not activity, and never move the position back
            self._idle_since = c.last_event_monotonic
            self.latest_id, self.resume_at = frame.id or self.latest_id, now
        elif verdict.reason == "incomplete_frame":
            log.info("stream ended inside a frame; it is read again on resume")
        seq = self.tracker.add(frame.id if new else None, now)
        if verdict.action == "filter":
            c.filtered += 1
            c.filter_reasons[verdict.reason] += 1
            if verdict.reason == "canary":
                c.last_canary_dt = verdict.dt
            self.tracker.done(seq)
        elif verdict.action == "raw":
            c.last_event_dt = verdict.dt
            self.sink.produce(
                self.s.raw_topic,
                verdict.key,
                frame.data,
                functools.partial(self._delivered, seq, False),
            )
        else:
            c.dlq_reasons[verdict.reason] += 1
            log.debug("dead letter", extra={"reason": verdict.reason, "detail": verdict.detail})
            envelope = events.dead_letter(frame, verdict, source=self.s.sse_url, received_at=now)
            self.sink.produce(
                self.s.dlq_topic,
                key,
                envelope,
                functools.partial(self._delivered, seq, True),
            )
        if self.s.max_events and c.received >= self.s.max_events:
            self.stopping.set()

    # --- position ---------------------------------------------------------------------------
    def save_position(self) -> None:
        cid = self.tracker.committed_id
        if cid is not None and cid != self._committed_seen:
            self._committed_seen = cid
            pos = advance(self._saved_id, cid)  # never behind what was saved, per partition
            self.store.save(
                pos,
                received_at=self.tracker.committed_at,
                saved_at=time.time(),
                committed_events=self.tracker.committed_count,
            )
            self._saved_id = pos

    async def _housekeeping(self) -> None:
        last_progress = time.monotonic()
        last_received = 0
        while True:
            await asyncio.sleep(SAVE_EVERY if self.s.progress_every > SAVE_EVERY else 0.2)
            self.sink.poll(0)
            self.save_position()
            now = time.monotonic()
            if now - last_progress >= self.s.progress_every:
                rate = (self.counters.received - last_received) / (now - last_progress)
                log.info(
                    "progress",
                    extra={
                        **self.counters.snapshot(),
                        "events_per_s": round(rate, 1),
                        "position": self._saved_id,
                    },
                )
                last_progress, last_received = now, self.counters.received

    async def run(self) -> int:
        if not self.s.reset_position:
            saved = self.store.load_record()
            self.resume_id = self._saved_id = saved.get("last_event_id")
            self.resume_at = saved.get("received_at") or saved.get("saved_at")
        log.info(
            "producer starting",
            extra={
                "sse_url": self.s.sse_url,
                "bootstrap_servers": self.s.bootstrap_servers,
                "resume_from": self.resume_id,
                "since": None if self.resume_id else self.s.since,
                "security_protocol": self.s.security_protocol,
            },
        )
        runner = web.AppRunner(metrics_app(self.counters), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.s.metrics_host, self.s.metrics_port)
        await site.start()
        self.metrics_port = runner.addresses[0][1]
        (self.s.state_dir / "metrics.port").write_text(str(self.metrics_port))
        log.info(
            "metrics endpoint up",
            extra={"url": f"http://{self.s.metrics_host}:{self.metrics_port}/metrics"},
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        # seeding runs while the first connection is made; frames are read only once it is done
        self.seeded = start_seeding(self.s, self.recent_raw, self.recent_dlq, self.counters)
        house = asyncio.create_task(self._housekeeping())
        reader = asyncio.create_task(self._connection_loop())
        stop_wait = asyncio.create_task(self.stopping.wait())
        try:
            await asyncio.wait({reader, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            if reader.done() and not reader.cancelled() and reader.exception():
                raise reader.exception()
        finally:
            house.cancel()
            stop_wait.cancel()
            code = self._shutdown()
            await runner.cleanup()
        return code

    def _on_signal(self, sig: int) -> None:
        log.info(
            "signal received; flushing and stopping", extra={"signal": signal.Signals(sig).name}
        )
        self.stopping.set()

    def _shutdown(self) -> int:
        remaining = self.sink.flush(self.s.flush_timeout)
        self.save_position()
        busy = time.monotonic() - self._first_event if self._first_event else 0.0
        summary = {
            **self.counters.snapshot(),
            "position": self._saved_id,
            "unflushed": remaining,
            "busy_s": round(busy, 3),
            "buffer_full_retries": self.sink.buffer_full_retries,
        }
        if remaining or self.counters.fatal:
            log.error(
                "stopped with undelivered events; the saved position excludes them, so "
                "they are re-read on restart",
                extra=summary,
            )
            return 1
        log.info("producer stopped", extra=summary)
        return 0


def main(argv: list[str] | None = None) -> int:
    try:
        settings = parse_settings(argv)
    except SettingsError as exc:
        setup_logging()
        log.error(f"bad setting: {exc}")
        return 2
    setup_logging(settings.log_level)
    try:
        service = ProducerService(settings)
        return asyncio.run(service.run())
    except FatalHTTPError as exc:
        log.error(f"fatal: {exc}")
        return 3
    except RuntimeError as exc:
        log.error(f"fatal: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
