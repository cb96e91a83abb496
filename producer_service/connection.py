"""The connection loop: connect with a rewound Last-Event-ID, read frames, reconnect."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp

from producer_service.resume import advance, rewind_id
from producer_service.sse_client import IdleTimeout, RetryableHTTPError, WikimediaEventSource

log = logging.getLogger("producer_service")

STALL_SECONDS = 90.0  # no byte for this long on a live connection: reconnect


class ConnectionLoop:
    """Mixed into ProducerService: uses its settings ``s``, ``counters``, ``handle`` and state.

    Every (re)connect resumes from the newest complete new event's id merged into the position
    (``resume_id``), rewound by ``--resume-rewind-s`` (see :mod:`producer_service.resume`).
    """

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
        self.resume_id = advance(self.resume_id, self.latest_id)
        resume = rewind_id(self.resume_id, self.resume_at, self.s.resume_rewind_s)
        source = WikimediaEventSource(
            self._url(),
            session=session,
            user_agent=self.s.user_agent,
            last_event_id=resume.header,
            known_id=self.resume_id,  # frames without an id line keep this, not the rewound id
            max_event_bytes=self.s.max_event_bytes,
        )
        try:
            await source.connect()
            if self.seeded is not None:
                await self.seeded  # the dedup windows hold the topics' tails before any frame
            self.counters.connects += 1
            self.counters.rewinds += resume.rewound
            self.counters.connected = True
            log.info(
                "connected",
                extra={
                    "url": self._url(),
                    "resume_from": self.resume_id,
                    "last_event_id_sent": resume.header,
                    "resume_note": resume.note,
                },
            )
            async for frame in source.frames(self._idle_left):
                self.handle(frame)
                if self.counters.received % 1000 == 0:
                    self.backoff.reset()
                    await asyncio.sleep(0)  # let the metrics server and timers run
                if self.stopping.is_set():
                    return
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
