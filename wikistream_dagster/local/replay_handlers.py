"""The stream endpoint (``GET /v2/stream/<any>``), ``/health`` and ``/stats``."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from wikistream_dagster.local.assign import plan_connection
from wikistream_dagster.local.event_ids import InvalidAssignmentError, TopicNotAvailableError
from wikistream_dagster.local.replay_control import error_response
from wikistream_dagster.local.replay_state import STATE
from wikistream_dagster.local.replay_stream import Conn, Pump
from wikistream_dagster.local.sse_frames import parse_since

log = logging.getLogger(__name__)
STREAM_PATH = "/v2/stream/recentchange"


async def _stream(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE]
    header = request.headers.get("Last-Event-ID")
    try:
        since_q = request.query.get("since")
        since = parse_since(since_q) if since_q is not None else None
        plan = plan_connection(st.timeline, header, since)
    except (InvalidAssignmentError, TopicNotAvailableError) as exc:
        return error_response(exc.status, type(exc).__name__, str(exc))
    except ValueError as exc:  # since
        return error_response(400, "BadRequest", str(exc))
    resp = web.StreamResponse(headers={"Cache-Control": "no-cache"})
    resp.content_type, resp.charset = "text/event-stream", "utf-8"
    resp.force_close()  # one stream per connection; closing it is the end of the stream
    await resp.prepare(request)
    task = asyncio.current_task()
    conn = Conn()
    if task is not None:
        st.conns[task] = conn
    st.connections += 1
    st.active += 1
    st.last_user_agent = request.headers.get("User-Agent", "")
    pump = Pump(st, resp, conn, plan)
    mode = "client_gone"
    try:
        mode = await pump.run()
        await pump.close(request, mode)
    except ConnectionError:  # the client went away (reset, closed)
        log.debug("client went away", extra={"events": pump.sent})
    else:
        log.debug("stream ended", extra={"events": pump.sent, "mode": mode})
    finally:
        st.closes[mode] = st.closes.get(mode, 0) + 1
        st.conns.pop(task, None)  # type: ignore[arg-type]
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
    st.wake_all()
    if st.conns:
        _, stuck = await asyncio.wait(list(st.conns), timeout=1.0)
        for task in stuck:
            task.cancel()
    if st.served_log is not None:
        st.served_log.close()
        st.served_log = None


def add_stream_routes(app: web.Application) -> None:
    app.router.add_get("/v2/stream/{streams:.+}", _stream)
    app.router.add_get("/health", _health)
    app.router.add_get("/stats", _stats)
    app.on_shutdown.append(_close_streams)
