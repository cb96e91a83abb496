"""Replay a recording as a local Wikimedia EventStreams endpoint (``./wikistream replay``).

A twin of the live service, modelled on Wikimedia's KafkaSSE: ``GET /v2/stream/<any>`` answers
``text/event-stream`` frames ``event:``, ``id:`` (a JSON array, one entry per topic-partition),
``data:``; two partitions (eqiad holds the events, codfw is empty unless ``switchover_at``);
resume per partition on ``Last-Event-ID`` (offsetsForTimes on Kafka timestamps) or ``?since=``;
pacing, endless loops shifted to the present, server-side closes (every N events, after
``close_after_s`` like the live ~15 min, or on demand; clean, TCP drop or mid-frame), pause,
injected events, and a log of the ``meta.id`` of every frame served. Also ``/health``,
``/stats`` and the ``/control/*`` endpoints (``replay_control``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

import orjson
from aiohttp import web

from wikistream_dagster.local.record import Recorded, default_recording, load_recording
from wikistream_dagster.local.replay_control import add_control_routes
from wikistream_dagster.local.replay_handlers import STREAM_PATH, add_stream_routes
from wikistream_dagster.local.replay_state import STATE, PauseClock, ServeOptions, ServerState
from wikistream_dagster.local.timeline import Timeline

__all__ = [
    "ReplayServerThread",
    "ServeOptions",
    "build_app",
    "default_recording",
    "load_recording",
    "run_replay_server",
    "STREAM_PATH",
]

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 10.0


def build_app(
    frames: Sequence[Recorded],
    *,
    speed: float = 0.0,
    loop: bool = False,
    disconnect_every: int | None = None,
    disconnect_mode: str = "clean",
    close_after_s: float | None = 900.0,
    whole_seconds: bool = False,
    disorder_ms: int = 0,
    switchover_at: int | None = None,
    served_log: Path | None = None,
    seed: int = 0,
) -> web.Application:
    """The replay application; frames come from :func:`load_recording`.

    Args:
        speed: pace (1 = as recorded, 0 = as fast as possible).
        loop: repeat forever with fresh meta.ids, times shifted to the present.
        disconnect_every: close each stream after this many events, the ``disconnect_mode``
            way (clean, drop, after_id, in_data, or cycle through them).
        close_after_s: close each stream cleanly after this long (the live service: ~15 min).
        whole_seconds: Kafka timestamps truncated to whole seconds, as on the live stream.
        disorder_ms: Kafka timestamps up to this much earlier than the event's (seeded), so
            they are not ordered by offset.
        switchover_at: events from this stream position on are codfw's, not eqiad's.
        served_log: append the meta.id of every frame written completely to this file.
        seed: seeds the timestamp disorder.
    """
    opts = ServeOptions(speed, disconnect_every, disconnect_mode, close_after_s, served_log)
    app = web.Application()
    clock = PauseClock()
    timeline = Timeline(
        frames,
        loop,
        speed=speed,
        whole_seconds=whole_seconds,
        disorder_ms=disorder_ms,
        switchover_at=switchover_at,
        seed=seed,
        now_ms=clock.now_ms,
    )
    st = ServerState(timeline, opts, clock)
    if served_log is not None:
        Path(served_log).parent.mkdir(parents=True, exist_ok=True)
        st.served_log = open(served_log, "a", encoding="utf-8")  # noqa: SIM115 - app-long
    app[STATE] = st
    add_stream_routes(app)
    add_control_routes(app)
    return app


async def _start(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, runner.addresses[0][1]


async def _progress(st: ServerState) -> None:
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
            "loop": st.timeline.loop,
            **{k: str(v) if isinstance(v, Path) else v for k, v in vars(st.options).items()},
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
    **options,
) -> None:
    """Serve ``path`` until Ctrl-C or SIGTERM (blocking); ``options`` as for :func:`build_app`."""
    app = build_app(load_recording(path), speed=speed, loop=loop, **options)
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
        **options,
    ) -> None:
        """``options``: the keyword arguments of :func:`build_app`."""
        if recording is None or isinstance(recording, str | Path):
            recording = load_recording(Path(recording or default_recording()))
        self.app = build_app(recording, speed=speed, loop=loop, **options)
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

    def control(self, action: str, body: bytes = b"", **params: str) -> dict:
        """POST ``/control/<action>`` (close, pause, resume, inject) and return its JSON."""
        import urllib.parse
        import urllib.request

        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        req = urllib.request.Request(
            f"{self.base_url}/control/{action}{query}", data=body, method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return orjson.loads(resp.read())

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
