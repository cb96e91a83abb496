"""The replay server against a real aiohttp client: wire format, order, resume, since, loops."""

from __future__ import annotations

import asyncio
import bisect
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from yarl import URL

from tests.local.replay_client import acount_bytes, read
from wikistream_dagster.local.loop_payload import loop_event_id
from wikistream_dagster.local.record import load_recording
from wikistream_dagster.local.replay import ReplayServerThread
from wikistream_dagster.local.sse_frames import parse_dt_ms

pytestmark = pytest.mark.timeout(60)

ID_RE = (
    '[{"topic":"eqiad.mediawiki.recentchange","partition":0,"timestamp":%d},'
    '{"topic":"codfw.mediawiki.recentchange","partition":0,"offset":-1}]'
)


def test_wire_format_and_id_shape(fast_server, lines, ref_id_times):
    res = read(fast_server.url, max_frames=3)
    assert res.status == 200
    assert res.content_type.startswith("text/event-stream")
    first = res.raw.split(b"\n\n")[0].split(b"\n")
    assert first[0] == b"event: message"
    assert first[1] == b"id: " + (ID_RE % (ref_id_times[0] + 1)).encode()  # Kafka time + 1
    assert first[2] == b"data: " + lines[0]
    parts = orjson.loads(res.frames[0].id)
    assert [set(p) for p in parts] == [
        {"topic", "partition", "timestamp"},
        {"topic", "partition", "offset"},
    ]


def test_every_event_once_in_order_then_stream_ends(fast_server, lines, ref_id_times):
    res = read(fast_server.url)
    assert res.ended
    assert len(res.frames) == len(lines) == 3818
    assert [f.data for f in res.frames] == lines  # byte-identical payloads, file order
    assert [f.id_ms for f in res.frames] == [t + 1 for t in ref_id_times]
    assert all(a <= b for a, b in zip(ref_id_times, ref_id_times[1:], strict=False))
    assert len(set(ref_id_times)) < len(ref_id_times)  # several events share one id, as live


def test_any_stream_path_and_health_and_stats(fast_server):
    assert (
        read(fast_server.base_url + "/v2/stream/recentchange,page-create", max_frames=1).status
        == 200
    )
    assert read(fast_server.base_url + "/health").status == 200
    stats = orjson.loads(read(fast_server.base_url + "/stats").body)
    assert stats["events_loaded"] == 3818 and stats["events_served"] >= 1


def test_resume_with_last_event_id_seeks_past_its_timestamp_like_kafkasse(fast_server, lines):
    """KafkaSSE resumes at the first message whose timestamp >= the id's (Kafka time + 1): the
    not-yet-sent events sharing the last event's time are skipped (the recording's times are
    whole seconds, like the live stream's)."""
    first = read(fast_server.url, max_frames=1000)
    last = first.frames[-1]
    second = read(fast_server.url, headers={"Last-Event-ID": last.id})
    assert second.ended
    start = lines.index(second.frames[0].data)
    assert [f.data for f in second.frames] == lines[start:]
    assert all(f.id_ms - 1 >= last.id_ms for f in second.frames)
    same_second = [f for f in read(fast_server.url).frames if f.id_ms == last.id_ms]
    skipped = set(lines[1000:start])
    assert start > 1000 and skipped == {f.data for f in same_second} - {
        f.data for f in first.frames
    }


@pytest.mark.parametrize("form", ["ms", "iso_z", "iso_offset", "iso_plus_unencoded"])
def test_since_starts_at_first_event_with_that_time(fast_server, lines, ref_id_times, form):
    since_ms = ref_id_times[2000] + 1  # between two ids: the later one is where it starts
    if since_ms % 1000 == 1:
        since_ms += 999 - 1  # keep whole seconds for the ISO forms below
    iso = datetime.fromtimestamp(since_ms / 1000, UTC)
    value = {
        "ms": str(since_ms),
        "iso_z": iso.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "iso_offset": iso.isoformat(),
        "iso_plus_unencoded": iso.isoformat(),
    }[form]
    if form == "iso_plus_unencoded":  # a literal '+' in a query string decodes to ' '
        res = read(URL(f"{fast_server.url}?since={value}", encoded=True))
    else:
        res = read(fast_server.url, params={"since": value})
    assert res.status == 200 and res.ended
    start = bisect.bisect_left(ref_id_times, since_ms)
    assert [f.data for f in res.frames] == lines[start:]
    assert res.frames[0].id_ms >= since_ms > ref_id_times[start - 1]


@pytest.mark.parametrize(
    "header,params",
    [
        ({}, {"since": "yesterday-ish"}),
        ({}, {"since": "2018-13-45T99:00:00Z"}),
        ({"Last-Event-ID": "not json"}, {}),
        ({"Last-Event-ID": "[]"}, {}),
        ({"Last-Event-ID": '{"topic":"x"}'}, {}),
        ({"Last-Event-ID": '[{"topic":"eqiad.mediawiki.recentchange","partition":0}]'}, {}),
        ({"Last-Event-ID": '[{"topic":"eqiad.mediawiki.recentchange","offset":5}]'}, {}),
        (
            {
                "Last-Event-ID": '[{"topic":"eqiad.mediawiki.recentchange","partition":0,'
                '"timestamp":"1520439377000"}]'
            },
            {},
        ),
        (
            {
                "Last-Event-ID": '[{"topic":"eqiad.mediawiki.recentchange",'
                '"partition":7,"offset":5}]'
            },
            {},
        ),
    ],
)
def test_unparseable_resume_position_is_400(fast_server, header, params):
    res = read(fast_server.url, headers=header, params=params)
    assert res.status == 400
    body = orjson.loads(res.body)
    assert body["detail"] and body["statusCode"] == 400
    if header:
        assert body["name"] == "InvalidAssignmentError" and body["origin"] == "KafkaSSE"


def test_unknown_topic_is_404_like_kafkasse(fast_server):
    res = read(
        fast_server.url, headers={"Last-Event-ID": '[{"topic":"x","partition":0,"offset":5}]'}
    )
    assert res.status == 404
    assert orjson.loads(res.body)["name"] == "TopicNotAvailableError"


def test_disconnect_every_closes_after_n_and_resume_seeks_by_timestamp(recording, lines):
    n = 500
    kafka_ms = [f.id_ms - 1 for f in read_all(recording)]
    with ReplayServerThread(recording, speed=0, disconnect_every=n) as srv:
        res = read(srv.url)
        assert res.ended and len(res.frames) == n
        assert [f.data for f in res.frames] == lines[:n]
        prev, end, connections = res, n, 1
        while len(prev.frames) == n:  # a short connection is the natural end of the stream
            nxt = read(srv.url, headers={"Last-Event-ID": prev.frames[-1].id})
            connections += 1
            start = bisect.bisect_left(kafka_ms, prev.frames[-1].id_ms)  # offsetsForTimes
            assert start >= end  # never re-sends; skips the rest of the last event's second
            assert [f.data for f in nxt.frames] == lines[start : start + len(nxt.frames)]
            prev, end = nxt, start + len(nxt.frames)
        assert end == len(lines) and connections >= len(lines) // n + 1
        assert srv.stats()["closes"]["clean"] == connections - 1


def read_all(recording: Path) -> list:
    with ReplayServerThread(recording, speed=0) as srv:
        return read(srv.url).frames


def test_loop_distinct_ids_increasing_times_near_now(recording, lines):
    n = 20
    records = load_recording(recording)[:n]
    with ReplayServerThread(records, speed=0, loop=True) as srv:
        now_ms = time.time() * 1000
        res = read(srv.url, max_frames=3 * n)
        assert not res.ended and len(res.frames) == 3 * n
        objs = [f.obj for f in res.frames]
        orig = [orjson.loads(line) for line in lines[:n]]
        ids = [o["meta"]["id"] for o in objs]
        assert len(set(ids)) == 3 * n and not set(ids) & {o["meta"]["id"] for o in orig}
        run = srv.stats()["loop_run"]
        assert ids == [loop_event_id(orig[i % n]["meta"]["id"], run, i // n) for i in range(3 * n)]
        stamps = [f.id_ms for f in res.frames]
        assert all(a <= b for a, b in zip(stamps, stamps[1:], strict=False))
        assert stamps[n] > stamps[n - 1] and stamps[2 * n] > stamps[2 * n - 1]
        assert now_ms - 2000 <= stamps[0] <= now_ms + 5000
        for i, o in enumerate(objs):  # meta.dt, timestamp and id moved by one loop offset
            shift = parse_dt_ms(o["meta"]["dt"]) - parse_dt_ms(orig[i % n]["meta"]["dt"])
            assert shift > 0 and shift % 1000 == 0
            assert o["timestamp"] - orig[i % n]["timestamp"] == shift // 1000
            assert {k: v for k, v in o.items() if k not in ("meta", "timestamp")} == {
                k: v for k, v in orig[i % n].items() if k not in ("meta", "timestamp")
            }
        # resume inside loop 1 continues with loop 1's events, not a new loop: from the first
        # event whose time is later than the resume id's (Kafka time + 1)
        resumed = read(srv.url, headers={"Last-Event-ID": res.frames[n + 5].id}, max_frames=n)
        r_ids = [f.obj["meta"]["id"] for f in resumed.frames]
        start = next(i for i in range(n + 5, 3 * n) if stamps[i] > stamps[n + 5])
        assert r_ids[: 3 * n - start] == ids[start : start + n]


def test_loop_ids_differ_between_server_runs(recording):
    records = load_recording(recording)[:5]
    ids = []
    for _ in range(2):  # a restarted replay server must not repeat the previous run's ids
        with ReplayServerThread(records, speed=0, loop=True) as srv:
            ids.append({f.obj["meta"]["id"] for f in read(srv.url, max_frames=10).frames})
    assert len(ids[0]) == len(ids[1]) == 10 and not ids[0] & ids[1]


def test_speed_paces_by_event_time(recording, ref_id_times):
    span_ms = 3000
    k = bisect.bisect_right(ref_id_times, ref_id_times[0] + span_ms)
    records = load_recording(recording)[:k]
    expected = (ref_id_times[k - 1] - ref_id_times[0]) / 1000 / 10
    with ReplayServerThread(records, speed=10) as srv:
        t0 = time.perf_counter()
        res = read(srv.url)
        elapsed = time.perf_counter() - t0
    assert res.ended and len(res.frames) == k
    assert expected * 0.8 <= elapsed <= expected + 1.0, (elapsed, expected)


def test_raw_sse_capture_is_served_with_its_times(tmp_path: Path):
    from wikistream_dagster.local.record import RECORDINGS_DIR

    with ReplayServerThread(RECORDINGS_DIR / "sse_capture_2022-12-11.sse", speed=0) as srv:
        res = read(srv.url)
    assert len(res.frames) == 3
    assert {f.id_ms for f in res.frames} == {1670732822001}  # the capture's ids, unchanged


def test_raw_byte_count_matches_the_recording(fast_server):
    frames, _ = asyncio.run(acount_bytes(fast_server.url))
    assert frames == 3818  # throughput is measured by `./wikistream bench replay`, not here


def test_aiohttp_sse_client_reads_and_resumes(fast_server, lines, ref_id_times):
    """The client library the producer uses sees message events with their ids."""
    from aiohttp_sse_client.client import EventSource

    async def take(n: int, last_id: str | None = None) -> list:
        headers = {"Last-Event-ID": last_id} if last_id else {}
        out = []
        async with EventSource(fast_server.url, headers=headers, reconnection_time=0) as es:
            async for ev in es:
                out.append(ev)
                if len(out) == n:
                    return out
        return out

    first = asyncio.run(take(10))
    assert [e.type for e in first] == ["message"] * 10
    assert [e.data.encode() for e in first] == lines[:10]
    assert orjson.loads(first[-1].last_event_id)[0]["timestamp"] > 0
    resumed = asyncio.run(take(5, first[-1].last_event_id))
    last_ms = orjson.loads(first[-1].last_event_id)[0]["timestamp"] - 1
    start = bisect.bisect_left(ref_id_times, last_ms + 1)
    assert [e.data.encode() for e in resumed] == lines[start : start + 5]


def test_stop_closes_endless_streams_quickly(recording):
    srv = ReplayServerThread(recording, speed=1, loop=True).start()
    import threading

    results = []
    reader = threading.Thread(target=lambda: results.append(read(srv.url, timeout=30)), daemon=True)
    reader.start()
    deadline = time.monotonic() + 5
    while srv.stats()["active_connections"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.stats()["active_connections"] == 1
    # a fresh loop connection starts at "now": its first event goes out when its time comes
    while srv.stats()["events_served"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    t0 = time.perf_counter()
    srv.stop()
    reader.join(5)
    assert time.perf_counter() - t0 < 3 and not reader.is_alive()
    assert results and results[0].ended and results[0].frames  # a clean end of stream


def test_a_loop_replayed_faster_keeps_event_times_at_the_clock(recording, ref_id_times):
    """Looping at 5x the recorded rate (the e2e bench's "live pace"), event times are
    compressed with the pace: after several seconds they are still near now, not 5x ahead."""
    speed = 5
    records = load_recording(recording)
    with ReplayServerThread(records, speed=speed, loop=True) as srv:
        t0 = time.time()
        res = read(srv.url, max_frames=250)  # a few seconds at 5x the ~12 events/s recorded
        t1 = time.time()
    assert len(res.frames) == 250
    stamps = [f.id_ms / 1000 for f in res.frames]  # id times: non-decreasing
    assert all(a <= b for a, b in zip(stamps, stamps[1:], strict=False))
    assert t1 - 2 <= stamps[-1] <= t1 + 2  # 5x ahead would be ~16 s in the future
    assert max(f.obj["timestamp"] for f in res.frames) <= t1 + 2  # the payloads' times too
    recorded_span = (ref_id_times[len(res.frames) - 1] - ref_id_times[0]) / 1000
    served_span = stamps[-1] - stamps[0]
    assert served_span <= recorded_span / speed + 2 < recorded_span  # gaps compressed
    assert t1 - t0 >= served_span - 1


def test_a_resumed_connection_gets_what_is_already_there_at_once(recording):
    """Like Kafka behind KafkaSSE, events that already exist are sent as fast as the client
    reads; only new ones are paced. A connection resuming some seconds back catches up at once
    instead of staying those seconds behind for ever (before: paced from its own start)."""
    with ReplayServerThread(load_recording(recording), speed=1, loop=True) as srv:
        t0 = time.perf_counter()
        first = read(srv.url, max_frames=40)  # ~3 s at the recording's ~12 events/s
        live_s = time.perf_counter() - t0
        entry = first.frames[0].entries[0]
        header = json.dumps([{**entry, "timestamp": entry["timestamp"] - 1}])
        t0 = time.perf_counter()
        resumed = read(srv.url, headers={"Last-Event-ID": header}, max_frames=40)
        catch_up_s = time.perf_counter() - t0
    assert [f.obj["meta"]["id"] for f in resumed.frames] == [
        f.obj["meta"]["id"] for f in first.frames
    ]
    assert live_s > 2 and catch_up_s < live_s / 3, (live_s, catch_up_s)
