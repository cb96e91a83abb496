"""Fault injection for benchmarks: ``POST /control/close?mode=``, ``/control/pause``,
``/control/resume`` and ``/control/inject`` (the raw JSON body becomes the next eqiad event)."""

from __future__ import annotations

import orjson
from aiohttp import web

from wikistream_dagster.local.event_ids import EQIAD
from wikistream_dagster.local.replay_state import STATE
from wikistream_dagster.local.replay_stream import CLOSE_MODES


def error_response(status: int, name: str, message: str) -> web.Response:
    """A KafkaSSE-style JSON error (``KafkaSSEError.toJSON``) plus ``detail``."""
    body = {
        "name": name,
        "message": message,
        "origin": "KafkaSSE",
        "statusCode": status,
        "status": status,
        "detail": message,
    }
    return web.Response(
        status=status, text=orjson.dumps(body).decode(), content_type="application/json"
    )


async def _control_close(request: web.Request) -> web.Response:
    st = request.app[STATE]
    mode = request.query.get("mode", "clean")
    if mode not in CLOSE_MODES:
        return error_response(
            400, "BadRequest", f"mode={mode!r}: use one of {', '.join(CLOSE_MODES)}"
        )
    for conn in st.conns.values():
        conn.close_mode = mode
    st.wake_all()
    return web.json_response({"closing": len(st.conns), "mode": mode})


async def _control_pause(request: web.Request) -> web.Response:
    st = request.app[STATE]
    st.clock.pause()
    return web.json_response({"paused": True})


async def _control_resume(request: web.Request) -> web.Response:
    st = request.app[STATE]
    st.clock.resume()
    st.wake_all()
    return web.json_response({"paused": False, "paused_total_s": round(st.clock.paused_total, 3)})


async def _control_inject(request: web.Request) -> web.Response:
    """The raw JSON body becomes the next eqiad message (a poison event, say)."""
    st = request.app[STATE]
    body = await request.read()
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return error_response(400, "BadRequest", f"the body must be one JSON value: {exc}")
    tl = st.timeline
    before = tl.produced_end() if tl.loop else tl.frontier
    offset = tl.inject(body.replace(b"\r", b"").strip(), before)
    st.wake_all()
    return web.json_response(
        {"topic": EQIAD, "partition": 0, "offset": offset, "position": tl.injected[-1].before}
    )


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/control/close", _control_close)
    app.router.add_post("/control/pause", _control_pause)
    app.router.add_post("/control/resume", _control_resume)
    app.router.add_post("/control/inject", _control_inject)
