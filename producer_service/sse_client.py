"""The EventStreams connection: aiohttp-sse-client's EventSource, hardened for the real stream.

The base class supplies the request conventions (Accept, Cache-Control, Last-Event-Id). We
classify HTTP failures (429/5xx retryable, other 4xx fatal) and parse the body with
:class:`SSEParser`, which survives input the base parser would crash on (invalid UTF-8, CR line
endings, a BOM, oversized frames).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from aiohttp import ClientError, ClientSession, hdrs
from aiohttp_sse_client.client import (
    CONTENT_TYPE_EVENT_STREAM,
    LAST_EVENT_ID_HEADER,
    READY_STATE_CLOSED,
    EventSource,
)

from producer_service.sse_parser import Frame, SSEParser


class RetryableHTTPError(ConnectionError):
    def __init__(self, status: int, retry_after: float = 0.0) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class FatalHTTPError(RuntimeError):
    pass


class IdleTimeout(Exception):
    """No bytes arrived within the idle limit."""


class WikimediaEventSource(EventSource):
    """One connection; ``frames()`` yields every frame until the server ends the stream."""

    def __init__(
        self,
        url: str,
        *,
        session: ClientSession,
        user_agent: str,
        last_event_id: str | None,
        max_event_bytes: int,
        known_id: str | None = None,
    ) -> None:
        """``last_event_id`` is sent; ``known_id`` (default: the same) starts the parser's id."""
        super().__init__(url, session=session, headers={hdrs.USER_AGENT: user_agent}, timeout=None)
        self._last_event_id = last_event_id or ""
        self.parser = SSEParser(max_event_bytes, known_id or last_event_id)

    async def connect(self, retry: int = 0) -> None:  # noqa: ARG002 - retries are ours
        headers = dict(self._kwargs["headers"])
        headers[hdrs.ACCEPT] = CONTENT_TYPE_EVENT_STREAM
        headers[hdrs.CACHE_CONTROL] = "no-cache"
        if self._last_event_id:
            headers[LAST_EVENT_ID_HEADER] = self._last_event_id
        kwargs = {k: v for k, v in self._kwargs.items() if k != "headers"}
        response = await self._session.request(self._method, self._url, headers=headers, **kwargs)
        status = response.status
        if status == 429 or status >= 500:
            retry_after = _retry_after(response.headers.get(hdrs.RETRY_AFTER))
            response.close()
            raise RetryableHTTPError(status, retry_after)
        if status >= 400 or status == 204:
            body = (await response.text(errors="replace"))[:300]
            response.close()
            hint = {
                403: "Wikimedia refuses generic clients: set a descriptive --user-agent with "
                "contact info",
                400: "the server rejected the request: check --since and the resume position",
                404: "check --sse-url",
            }.get(status, "check --sse-url and the request settings")
            raise FatalHTTPError(f"{self._url} answered HTTP {status} ({hint}): {body!r}")
        if response.content_type != CONTENT_TYPE_EVENT_STREAM:
            response.close()
            raise FatalHTTPError(
                f"{self._url} answered {response.content_type!r}, not text/event-stream: "
                "check --sse-url"
            )
        await self._connected()
        self._response = response
        self._origin = str(response.real_url.origin())

    async def frames(
        self, idle_left: Callable[[], float | None] = lambda: None
    ) -> AsyncIterator[Frame]:
        """Frames as they arrive; ends when the server closes the stream.

        Raises IdleTimeout when ``idle_left()`` (seconds, None = no limit) runs out.
        """
        content = self._response.content
        try:
            while self._ready_state != READY_STATE_CLOSED:
                left = idle_left()
                if left is not None and left <= 0:
                    raise IdleTimeout()
                try:
                    async with asyncio.timeout(left):
                        chunk = await content.readany()
                except TimeoutError:
                    raise IdleTimeout() from None
                if not chunk:
                    break
                for frame in self.parser.feed(chunk):
                    yield frame
        except (ClientError, OSError):  # a dropped connection also ends a frame half-read
            last = self.parser.close()
            if last is not None:
                yield last
            raise
        last = self.parser.close()
        if last is not None:
            yield last


def _retry_after(raw: str | None) -> float:
    try:
        return max(0.0, float(raw)) if raw else 0.0
    except ValueError:
        return 0.0
