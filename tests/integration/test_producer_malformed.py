"""A corpus of malformed input: the producer never crashes and accounts for every frame."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web

from tests.kafka_helpers import last_summary, new_topics, read_topic, run_producer

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "producer"
BASE = json.loads((FIXTURES / "valid_event.json").read_text())


def event(n: int, **changes) -> dict:
    e = copy.deepcopy(BASE)
    e["meta"]["id"] = f"00000000-0000-4000-8000-{n:012d}"
    for key, value in changes.items():
        e[key] = value
    return e


def frame(payload, *, eol=b"\n", event_type=b"message", n=0) -> bytes:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    lines = [b"event: " + event_type, b'id: [{"timestamp":%d}]' % (1000 + n), b"data: " + data]
    return eol.join(lines) + eol + eol


def corpus() -> tuple[bytes, list[tuple[str, str, str | None]]]:
    """The stream and, per frame, (outcome, reason, event id) expected from the producer."""
    canary = event(9)
    canary["meta"]["domain"] = "canary"
    no_id = event(10)
    del no_id["meta"]["id"]
    parts: list[tuple[bytes, str, str, str | None]] = [
        (b"\xef\xbb\xbf" + frame(event(1), n=1), "raw", "", event(1)["meta"]["id"]),
        (b": a comment line\nretry: 1500\n", "", "", None),  # not events at all
        (frame(b"{not json", n=2), "dlq", "invalid_json", None),
        (frame(b'{"meta": {"id": "cut', n=3), "dlq", "invalid_json", None),  # truncated frame
        (frame(event(4, namespace="zero", bot="no"), n=4), "dlq", "wrong_type", None),
        (frame(no_id, n=5), "dlq", "missing_field", None),
        (frame(event(6, comment="x" * 1_100_000), n=6), "dlq", "oversized", None),
        (frame(b'{"meta": "\xff\xfe broken"}', n=7), "dlq", "invalid_utf8", None),
        (frame(event(8), eol=b"\r\n", n=8), "raw", "", event(8)["meta"]["id"]),
        (frame(event(11), eol=b"\r", n=11), "raw", "", event(11)["meta"]["id"]),
        (frame(canary, n=9), "filter", "canary", None),
        (frame(event(1), n=12), "filter", "duplicate", None),
        (frame(event(13), event_type=b"error", n=13), "dlq", "unexpected_event_type", None),
        (frame(event(14, type="teleport"), n=14), "dlq", "invalid_value", None),
        (frame(b"[1, 2, 3]", n=15), "dlq", "not_an_object", None),
        # a dead letter sent again (as a rewound resume does) is written once: stable DLQ keys
        (frame(b"{not json", n=17), "filter", "duplicate", None),
        (frame(event(4, namespace="zero", bot="no"), n=18), "filter", "duplicate", None),
        # the final frame lacks its blank line: the stream ended inside it, so (WHATWG) it is
        # not dispatched; it is counted as filtered, and a resume (rewound) reads it again
        (frame(event(16), n=16)[:-1], "filter", "incomplete_frame", None),
    ]
    stream = b"".join(p[0] for p in parts)
    return stream, [(o, r, i) for _, o, r, i in parts if o]


class RawSSEServer:
    """Serves fixed bytes once as text/event-stream; later connections get an empty stream."""

    def __init__(self, body: bytes, chunk: int = 4096) -> None:
        self.body, self.chunk, self.served = body, chunk, 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _handler(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        body = self.body if self.served == 0 else b""
        self.served += 1
        for i in range(0, len(body), self.chunk):  # small chunks split lines and CRLFs
            await resp.write(body[i : i + self.chunk])
        return resp

    async def _main(self) -> None:
        app = web.Application()
        app.router.add_get("/stream", self._handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/stream"
        self.stop_event = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        self.ready.set()
        await self.stop_event.wait()
        await runner.cleanup()

    def __enter__(self):
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)


@pytest.mark.parametrize("chunk", [4096, 7])
def test_malformed_corpus_is_accounted_for_exactly(kafka_broker, tmp_path, chunk):
    stream, expected = corpus()
    if chunk == 7:  # tiny chunks: every line ending split across reads; skip the 1 MB frame
        stream = stream.replace(frame(event(6, comment="x" * 1_100_000), n=6), b"")
        expected = [e for e in expected if e[1] != "oversized"]
    raw, dlq = new_topics(kafka_broker, "malformed")
    with RawSSEServer(stream, chunk=chunk) as srv:
        proc = run_producer(
            srv.url, kafka_broker, tmp_path / "s", raw, dlq, "--exit-on-idle", "1.5"
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = last_summary(proc.stderr)
    want = Counter((o, r) for o, r, _ in expected)
    assert s["received"] == len(expected)
    assert s["received"] == s["produced"] + s["dead_lettered"] + s["filtered"]
    assert s["produced"] == want[("raw", "")]
    assert s["filter_reasons"] == {r: n for (o, r), n in want.items() if o == "filter"}
    assert s["dlq_reasons"] == {r: n for (o, r), n in want.items() if o == "dlq"}
    assert sorted(m.key().decode() for m in read_topic(kafka_broker, raw)) == sorted(
        i for o, _, i in expected if o == "raw"
    )
    letters = [json.loads(m.value()) for m in read_topic(kafka_broker, dlq)]
    assert Counter(d["reason"] for d in letters) == Counter(r for o, r, _ in expected if o == "dlq")
    bad_utf8 = next(d for d in letters if d["reason"] == "invalid_utf8")
    assert bad_utf8["raw_encoding"] == "base64"
    assert base64.b64decode(bad_utf8["raw"]) == b'{"meta": "\xff\xfe broken"}'
    assert all(d["sse_id"] and d["received_at"] for d in letters)
    keys = [m.key() for m in read_topic(kafka_broker, dlq)]
    assert all(keys) and len(set(keys)) == len(keys)  # stable keys: meta.id or raw-bytes hash
    assert event(4)["meta"]["id"].encode() in keys


def test_fatal_http_status_stops_with_a_clear_message(tmp_path):
    async def forbidden(_request):
        return web.Response(status=403, text="Please set a user-agent")

    srv = RawSSEServer(b"")
    srv._handler = forbidden  # type: ignore[method-assign]
    with srv:
        proc = run_producer(srv.url, "127.0.0.1:1", tmp_path / "s", "r", "d", timeout=60)
    assert proc.returncode == 3
    assert "HTTP 403" in proc.stderr and "--user-agent" in proc.stderr


def test_retryable_status_backs_off_then_recovers(kafka_broker, tmp_path):
    calls = {"n": 0}
    ok = frame(event(77), n=77)

    async def flaky(request):
        calls["n"] += 1
        if calls["n"] <= 3:
            return web.Response(status=429 if calls["n"] == 1 else 503)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        if calls["n"] == 4:
            await resp.write(ok)
        return resp

    raw, dlq = new_topics(kafka_broker, "retry")
    srv = RawSSEServer(b"")
    srv._handler = flaky  # type: ignore[method-assign]
    with srv:
        proc = run_producer(srv.url, kafka_broker, tmp_path / "s", raw, dlq, "--exit-on-idle", "3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"status": 429' in proc.stderr.replace('":', '": ') or '"status":429' in proc.stderr
    assert [m.key().decode() for m in read_topic(kafka_broker, raw)] == [event(77)["meta"]["id"]]
