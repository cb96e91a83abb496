"""The producer's main loop: connect, read frames, classify, produce, track acks, resume."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sys
import time
from collections import OrderedDict

import aiohttp
from aiohttp import web

from producer_service import events
from producer_service.backoff import Backoff
from producer_service.jsonlog import setup_logging
from producer_service.kafka_sink import KafkaSink, producer_config
from producer_service.metrics import Counters, metrics_app
from producer_service.position import AckTracker, PositionStore
from producer_service.settings import ProducerSettings, SettingsError, parse_settings
from producer_service.sse_client import (
    FatalHTTPError,
    IdleTimeout,
    RetryableHTTPError,
    WikimediaEventSource,
)
from producer_service.sse_parser import Frame

log = logging.getLogger("producer_service")

STALL_SECONDS = 90.0  # no byte for this long on a live connection: reconnect
SAVE_EVERY = 1.0


class ProducerService:
    def __init__(self, settings: ProducerSettings, sink: KafkaSink | None = None) -> None:
        self.s = settings
        self.counters = Counters()
        self.tracker = AckTracker()
        self.store = PositionStore(settings.state_dir)
        self.sink = sink or KafkaSink(producer_config(settings))
        self.backoff = Backoff(settings.backoff_initial, settings.backoff_max)
        self.stopping = asyncio.Event()
        self.resume_id: str | None = None
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._saved_id: str | None = None
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

    def handle(self, frame: Frame) -> None:
        c = self.counters
        c.received += 1
        now = time.time()
        if self._first_event is None:
            self._first_event = time.monotonic()
        c.last_event_monotonic = time.monotonic()
        seq = self.tracker.add(frame.id)
        verdict, _event = events.classify(frame, self.s.max_event_bytes)
        if verdict.action == "raw" and verdict.event_id in self._recent:
            verdict = events.Verdict("filter", "duplicate", event_id=verdict.event_id)
        else:
            self._idle_since = c.last_event_monotonic  # re-sent duplicates are not activity
        if verdict.action == "filter":
            c.filtered += 1
            c.filter_reasons[verdict.reason] += 1
            if verdict.reason == "canary":
                c.last_canary_dt = verdict.dt
            self.tracker.done(seq)
        elif verdict.action == "raw":
            self._remember(verdict.event_id)
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
                verdict.key,
                envelope,
                functools.partial(self._delivered, seq, True),
            )
        if self.s.max_events and c.received >= self.s.max_events:
            self.stopping.set()

    def _remember(self, event_id: str) -> None:
        self._recent[event_id] = None
        if len(self._recent) > self.s.dedup_window:
            self._recent.popitem(last=False)

    # --- position ---------------------------------------------------------------------------
    def save_position(self) -> None:
        cid = self.tracker.committed_id
        if cid is not None and cid != self._saved_id:
            self.store.save(
                cid, saved_at=time.time(), committed_events=self.tracker.committed_count
            )
            self._saved_id = cid

    # --- connection loop --------------------------------------------------------------------
    def _url(self) -> str:
        if self.s.since and not self.resume_id:
            sep = "&" if "?" in self.s.sse_url else "?"
            return f"{self.s.sse_url}{sep}since={self.s.since}"
        return self.s.sse_url

    def _idle_left(self) -> float | None:
        if self.s.exit_on_idle is None:
            return None
        return self.s.exit_on_idle - (time.monotonic() - self._idle_since)

    async def _read(self, session: aiohttp.ClientSession) -> None:
        source = WikimediaEventSource(
            self._url(),
            session=session,
            user_agent=self.s.user_agent,
            last_event_id=self.resume_id,
            max_event_bytes=self.s.max_event_bytes,
        )
        try:
            await source.connect()
            self.counters.connects += 1
            self.counters.connected = True
            log.info("connected", extra={"url": self._url(), "resume_from": self.resume_id})
            async for frame in source.frames(self._idle_left):
                self.handle(frame)
                self.resume_id = frame.id or self.resume_id
                if self.counters.received % 1000 == 0:
                    self.backoff.reset()
                    await asyncio.sleep(0)  # let the metrics server and timers run
                if self.stopping.is_set():
                    return
            self.resume_id = source.parser.last_id or self.resume_id
            self.counters.sse_comments += source.parser.comments
        finally:
            self.counters.connected = False
            await source.close()

    async def _connection_loop(self) -> None:
        timeout = aiohttp.ClientTimeout(
            total=None, connect=30, sock_connect=15, sock_read=STALL_SECONDS
        )
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self.stopping.is_set():
                delay = 0.0
                try:
                    await self._read(session)
                    if self.stopping.is_set():
                        return
                    log.info(
                        "server ended the stream; resuming", extra={"resume_from": self.resume_id}
                    )
                    delay = min(0.05, self.s.backoff_initial)
                except IdleTimeout:
                    log.info(
                        "no events for the idle limit; stopping",
                        extra={"exit_on_idle_s": self.s.exit_on_idle},
                    )
                    return
                except RetryableHTTPError as exc:
                    self.counters.http_errors[exc.status] += 1
                    delay = self.backoff.next_delay(exc.retry_after)
                    log.warning(
                        "server busy or failing; backing off",
                        extra={"status": exc.status, "delay_s": round(delay, 2)},
                    )
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    delay = self.backoff.next_delay()
                    log.warning(
                        "connection failed; backing off",
                        extra={"error": f"{type(exc).__name__}: {exc}", "delay_s": round(delay, 2)},
                    )
                self.counters.reconnects += 1
                left = self._idle_left()
                if left is not None and left <= delay:
                    await asyncio.sleep(max(0.0, left))
                    log.info("no events for the idle limit; stopping")
                    return
                try:
                    await asyncio.wait_for(self.stopping.wait(), timeout=delay)
                except TimeoutError:
                    pass

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
                        "position": self.tracker.committed_id,
                    },
                )
                last_progress, last_received = now, self.counters.received

    async def run(self) -> int:
        if self.s.reset_position:
            self.resume_id = None
        else:
            self.resume_id = self.store.load()
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
            "position": self.tracker.committed_id,
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
