"""Replay a recording as a local Wikimedia EventStreams endpoint (``./wikistream replay``).

``GET /v2/stream/<any>`` answers ``text/event-stream`` in the live wire format, with timestamp
ids (running max of event times), resume on ``Last-Event-ID`` or ``?since=``, pacing, optional
server-side disconnects and endless loops shifted to the present; ``/health`` and ``/stats``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiohttp import web

from wikistream_dagster.local.record import Recorded, Timeline, default_recording, load_recording
from wikistream_dagster.local.sse_frames import parse_event_id, parse_since

__all__ = [
    "ReplayServerThread",
    "build_app",
    "default_recording",
    "load_recording",
    "run_replay_server",
    "STREAM_PATH",
]

log = logging.getLogger(__name__)
STREAM_PATH = "/v2/stream/recentchange"
BATCH_BYTES = 64 * 1024  # frames per write(): about this many bytes
PROGRESS_EVERY_S = 10.0


@dataclass
class _State:
    timeline: Timeline
    speed: float
    disconnect_every: int | None
    started: float = field(default_factory=time.monotonic)
    served: int = 0
    connections: int = 0
    active: int = 0
    last_user_agent: str = ""
    tasks: set[asyncio.Task] = field(default_factory=set)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def stats(self) -> dict:
        tl = self.timeline
        return {
            "events_loaded": tl.n,
            "events_served": self.served,
            "connections": self.connections,
            "active_connections": self.active,
            "loops_started": len(tl.offsets) if tl.loop else None,
            "loop_run": tl.run if tl.loop else None,
            "speed": self.speed,
            "loop": tl.loop,
            "disconnect_every": self.disconnect_every,
            "uptime_s": round(time.monotonic() - self.started, 3),
            "last_user_agent": self.last_user_agent,
        }


STATE = web.AppKey("wikistream_replay", _State)


def _resume_ms(request: web.Request) -> int | None:
    header = request.headers.get("Last-Event-ID")
    if header:
        return parse_event_id(header)
    since = request.query.get("since")
    return parse_since(since) if since is not None else None


async def _pump(resp: web.StreamResponse, st: _State, p: int) -> int:
    """Write frames from position p, paced by id times; returns how many were sent."""
    tl, limit = st.timeline, st.disconnect_every
    speed = tl.pace or st.speed  # a time-compressed loop runs at 1x its compressed times
    clock = asyncio.get_running_loop().time
    t0, base, sent = clock(), (tl.time_at(p) if speed > 0 and p != tl.end else 0), 0
    while (tl.end is None or p < tl.end) and not st.closing.is_set():
        q_max = tl.end if tl.end is not None else p + 1_000_000
        if limit:
            q_max = min(q_max, p + limit - sent)
        if speed > 0:
            q_due = tl.position_for(int(base + (clock() - t0) * 1000 * speed) + 1)
            if q_due <= p:
                delay = (tl.time_at(p) - base) / (1000 * speed) - (clock() - t0)
                try:
                    await asyncio.wait_for(st.closing.wait(), max(delay, 0.0))
                except TimeoutError:
                    pass
                continue
            q_max = min(q_max, q_due)
        chunk, q = tl.render(p, q_max, BATCH_BYTES)
        await resp.write(chunk)
        st.served += q - p
        sent += q - p
        p = q
        if limit and sent >= limit:
            break
        await asyncio.sleep(0)  # a fast client never blocks writes: let other tasks run
    return sent


async def _stream(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE]
    tl = st.timeline
    try:
        start = _resume_ms(request)
    except ValueError as exc:
        body = {"status": 400, "title": "Bad Request", "detail": str(exc)}
        raise web.HTTPBadRequest(
            text=orjson.dumps(body).decode(), content_type="application/json"
        ) from None
    if start is None:  # fresh connection: the whole recording, or "now" when looping
        start = int(time.time() * 1000) if tl.loop else tl.ts[0]
    p = tl.position_for(start)
    resp = web.StreamResponse(headers={"Cache-Control": "no-cache"})
    resp.content_type, resp.charset = "text/event-stream", "utf-8"
    resp.force_close()  # one stream per connection; closing it is the end of the stream
    await resp.prepare(request)
    task = asyncio.current_task()
    if task is not None:
        st.tasks.add(task)
    st.connections += 1
    st.active += 1
    st.last_user_agent = request.headers.get("User-Agent", "")
    sent = 0
    try:
        sent = await _pump(resp, st, p)
        await resp.write_eof()
    except ConnectionError:  # the client went away (reset, closed)
        log.debug("client went away", extra={"position": p})
    else:
        log.debug("stream ended", extra={"position": p, "events": sent})
    finally:
        st.tasks.discard(task)
        st.active -= 1
    return resp


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].stats())


async def _close_streams(app: web.Application) -> None:
    """On shutdown: end open streams cleanly; cancel those stuck writing to a slow client."""
    st = app[STATE]
    st.closing.set()
    if st.tasks:
        _, stuck = await asyncio.wait(list(st.tasks), timeout=1.0)
        for task in stuck:
            task.cancel()


def build_app(
    frames: Sequence[Recorded],
    *,
    speed: float = 0.0,
    loop: bool = False,
    disconnect_every: int | None = None,
) -> web.Application:
    """The replay application; frames come from :func:`load_recording`."""
    if speed < 0:
        raise ValueError(f"speed={speed} must be >= 0 (0 = as fast as possible)")
    if disconnect_every is not None and disconnect_every < 1:
        raise ValueError(f"disconnect_every={disconnect_every} must be >= 1")
    app = web.Application()
    app[STATE] = _State(Timeline(frames, loop, speed=speed), speed, disconnect_every)
    app.router.add_get("/v2/stream/{streams:.+}", _stream)
    app.router.add_get("/health", _health)
    app.router.add_get("/stats", _stats)
    app.on_shutdown.append(_close_streams)
    return app


async def _start(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, runner.addresses[0][1]


async def _progress(st: _State) -> None:
    last = 0
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        if st.served == last and not st.active:
            continue  # idle: nothing to report
        stats = st.stats()
        stats["events_per_s"] = round((st.served - last) / PROGRESS_EVERY_S, 1)
        last = st.served
        log.info("replay progress", extra=stats)


async def _serve(app: web.Application, host: str, port: int, recording: Path) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    runner, port = await _start(app, host, port)
    st = app[STATE]
    log.info(
        "replay server listening",
        extra={
            "url": f"http://{host}:{port}{STREAM_PATH}",
            "recording": str(recording),
            "events": st.timeline.n,
            "speed": st.speed,
            "loop": st.timeline.loop,
            "disconnect_every": st.disconnect_every,
        },
    )
    progress = asyncio.create_task(_progress(st))
    try:
        await stop.wait()
    finally:
        progress.cancel()
        await runner.cleanup()
        log.info("replay server stopped", extra=st.stats())


def run_replay_server(
    path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    speed: float = 1.0,
    loop: bool = False,
    disconnect_every: int | None = None,
) -> None:
    """Serve ``path`` until Ctrl-C or SIGTERM (blocking)."""
    app = build_app(load_recording(path), speed=speed, loop=loop, disconnect_every=disconnect_every)
    try:
        asyncio.run(_serve(app, host, port, path))
    except KeyboardInterrupt:
        pass


class ReplayServerThread:
    """A replay server on a free port in a background thread (tests, benchmarks).

    Use as ``with ReplayServerThread(path, speed=0) as srv: ... srv.url ...``.
    """

    def __init__(
        self,
        recording: Path | Sequence[Recorded] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 0.0,
        loop: bool = False,
        disconnect_every: int | None = None,
    ) -> None:
        if recording is None or isinstance(recording, str | Path):
            recording = load_recording(Path(recording or default_recording()))
        self.app = build_app(recording, speed=speed, loop=loop, disconnect_every=disconnect_every)
        self.host, self.port = host, port
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main()), name="replay-server", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + STREAM_PATH

    def stats(self) -> dict:
        return self.app[STATE].stats()

    def start(self) -> ReplayServerThread:
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("replay server did not start within 15 s")
        if self._error is not None:
            raise RuntimeError(f"replay server failed to start: {self._error}") from self._error
        return self

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            runner, self.port = await _start(self.app, self.host, self.port)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        """Stop the server (open streams are closed) and wait for the thread."""
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    def __enter__(self) -> ReplayServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
