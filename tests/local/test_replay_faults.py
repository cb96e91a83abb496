"""Server-side closes (clean, TCP drop, mid-frame), the 15-minute close, pause/resume, injected
events and the served log: what a client receives, byte for byte."""

from __future__ import annotations

import threading
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from tests.local.replay_client import read, read_raw
from tests.local.test_replay_twin import e, ns, synth
from wikistream_dagster.local.event_ids import CODFW, EQIAD
from wikistream_dagster.local.replay import ReplayServerThread

pytestmark = pytest.mark.timeout(60)


def full_frames(records) -> list[bytes]:
    with ReplayServerThread(records, speed=0) as s:
        raw = read(s.url).raw
    return [f + b"\n\n" for f in raw.split(b"\n\n") if f]


@pytest.mark.parametrize("mode", ["clean", "drop", "after_id", "in_data"])
def test_each_disconnect_mode_leaves_exactly_its_partial_bytes(mode, tmp_path: Path):
    records = synth(20, 250)
    frames = full_frames(records)
    log = tmp_path / "served.log"
    with ReplayServerThread(
        records, speed=0, disconnect_every=5, disconnect_mode=mode, served_log=log
    ) as s:
        got = read_raw(s.url)
        _wait_for(lambda: s.stats()["active_connections"] == 0)
        stats = s.stats()
    assert got.how == ("clean" if mode == "clean" else "aborted")
    nxt = frames[5]
    data_at = nxt.index(b"\ndata: ") + len(b"\ndata: ")
    tail = {
        "clean": b"",
        "drop": b"",
        "after_id": nxt[: data_at - len(b"data: ")],  # "event: message\nid: [...]\n"
        "in_data": nxt[: data_at + (len(nxt) - 2 - data_at) // 2],
    }[mode]
    assert got.raw == b"".join(frames[:5]) + tail
    if mode == "after_id":
        assert tail.startswith(b"event: message\nid: [") and tail.endswith(b"]\n")
    assert log.read_text().split() == [f"ev-{i}" for i in range(5)]  # complete frames only
    assert stats["served_complete"] == 5 and stats["partial_frames"] == (len(tail) > 0)


def test_cycle_rotates_through_the_four_modes():
    with ReplayServerThread(
        synth(40, 250), speed=0, disconnect_every=3, disconnect_mode="cycle"
    ) as s:
        hows, last = [], None
        for _ in range(5):
            got = read_raw(s.url, headers={"Last-Event-ID": last} if last else None)
            hows.append((got.how, got.tail[:6]))
            last = got.frames[-1].id
        _wait_for(lambda: s.stats()["active_connections"] == 0)
        closes = s.stats()["closes"]
    assert hows == [
        ("clean", b""),
        ("aborted", b""),
        ("aborted", b"event:"),
        ("aborted", b"event:"),
        ("clean", b""),
    ]
    assert closes == {"clean": 2, "drop": 1, "after_id": 1, "in_data": 1}


def test_close_after_s_ends_each_stream_cleanly():
    with ReplayServerThread(synth(200, 100), speed=1, close_after_s=0.6) as s:
        t0 = time.perf_counter()
        got = read_raw(s.url)
        elapsed = time.perf_counter() - t0
        _wait_for(lambda: s.stats()["active_connections"] == 0)
        assert s.stats()["closes"] == {"clean": 1}
    assert got.how == "clean" and 0.5 <= elapsed < 3
    assert 3 <= len(got.frames) <= 12  # ~0.6 s of events 100 ms apart


def _reader(url: str, out: list, **kw) -> threading.Thread:
    t = threading.Thread(target=lambda: out.append(read_raw(url, **kw)), daemon=True)
    t.start()
    return t


def _wait_for(pred, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def _reading(
    events: int, served: int, **kw
) -> Iterator[tuple[ReplayServerThread, list, threading.Thread]]:
    """A server of ``events`` events 50 ms apart (speed 1) with one reader on it, once it has
    served ``served``: the server, the list the reader's result lands in, the reader's thread."""
    with ReplayServerThread(synth(events, 50), speed=1, **kw) as s:
        out: list = []
        t = _reader(s.url, out)
        _wait_for(lambda: s.stats()["served_complete"] >= served)
        yield s, out, t


def test_pause_delays_events_and_drops_none_and_resume_continues():
    with _reading(30, served=5) as (s, out, t):  # 1.5 s of events
        s.control("pause")
        time.sleep(0.2)
        held = s.stats()["served_complete"]
        time.sleep(1.0)
        assert s.stats()["served_complete"] == held < 30  # silent, still open
        assert s.stats()["active_connections"] == 1 and s.stats()["paused"]
        s.control("resume")
        t.join(15)
    assert out[0].how == "clean" and ns(out[0].frames) == list(range(30))


def test_control_close_cuts_open_streams_the_given_way():
    with _reading(300, served=3) as (s, out, t):
        assert s.control("close", mode="after_id") == {"closing": 1, "mode": "after_id"}
        t.join(10)
        _wait_for(lambda: s.stats()["active_connections"] == 0)
        assert s.stats()["closes"] == {"after_id": 1}
    got = out[0]
    assert got.how == "aborted" and got.tail.startswith(b"event: message\nid: [")
    assert b"data:" not in got.tail and len(got.frames) < 300


def test_injected_event_is_the_next_eqiad_message_with_offset_and_timestamp(tmp_path: Path):
    log = tmp_path / "served.log"
    poison = {"meta": {"id": "poison-1", "dt": "2023-11-14T22:13:20Z"}, "timestamp": 10**13}
    with _reading(40, served=10, served_log=log) as (s, out, t):
        s.control("pause")
        time.sleep(0.1)
        at = s.stats()["served_complete"]
        reply = s.control("inject", body=orjson.dumps(poison))
        s.control("resume")
        t.join(15)
        again = read(s.url)  # a later reader finds it at the same place
        from_offset = read(
            s.url, headers={"Last-Event-ID": orjson.dumps([e(EQIAD, offset=at)]).decode()}
        )
        frames = out[0].frames
        by_time = read(s.url, headers={"Last-Event-ID": frames[at - 1].id})
        assert s.stats()["end_offsets"] == {EQIAD: 41, CODFW: 0}
    assert reply["offset"] == at and reply["topic"] == EQIAD
    assert [f.obj["meta"]["id"] for f in frames][at] == "poison-1"
    assert len(frames) == 41 and frames[at].obj == poison
    stamp = frames[at].entries[0]["timestamp"]
    assert stamp == frames[at + 1].entries[0]["timestamp"]  # times like the next event's
    assert [f.obj for f in again.frames] == [f.obj for f in frames]
    assert from_offset.frames[0].obj == poison
    assert by_time.frames[0].obj == poison and by_time.frames[1].obj["n"] == at  # same time
    runs = [frames, again.frames, from_offset.frames, by_time.frames]
    assert log.read_text().split() == [f.obj["meta"]["id"] for run in runs for f in run]


def test_inject_rejects_a_body_that_is_not_json():
    with ReplayServerThread(synth(5, 50), speed=0) as s:
        with pytest.raises(urllib.error.HTTPError) as exc:
            s.control("inject", body=b"{not json")
        assert exc.value.code == 400


def test_loop_with_options_keeps_distinct_ids_and_resumes_by_time():
    with ReplayServerThread(
        synth(20, 250), speed=0, loop=True, whole_seconds=True, disorder_ms=300
    ) as s:
        res = read(s.url, max_frames=60)
        ids = [f.obj["meta"]["id"] for f in res.frames]
        assert len(set(ids)) == 60
        kafka = [f.entries[0]["timestamp"] - 1 for f in res.frames]
        assert all(k % 1000 == 0 for k in kafka)
        assert max(kafka[:20]) < min(kafka[20:40])  # loops never overlap in time
        resumed = read(s.url, headers={"Last-Event-ID": res.frames[25].id}, max_frames=5)
        first = next(i for i in range(60) if max(kafka[: i + 1]) > kafka[25])
        assert [f.obj["meta"]["id"] for f in resumed.frames] == ids[first : first + 5]


@pytest.mark.parametrize("mode", ["after_id", "in_data"])
def test_mid_frame_cuts_in_loop_mode(mode):
    with ReplayServerThread(
        synth(8, 250), speed=0, loop=True, disconnect_every=5, disconnect_mode=mode
    ) as s:
        got = read_raw(s.url)
        nxt = read(s.url, headers={"Last-Event-ID": got.frames[-1].id}, max_frames=1)
    assert got.how == "aborted" and len(got.frames) == 5
    assert got.tail.startswith(b"event: message\nid: [")
    assert (b"\ndata: {" in got.tail) == (mode == "in_data") and not got.tail.endswith(b"\n\n")
    # the cut frame is the event a resume from the last complete frame starts with (its id's
    # entries come in another order then: offset entries first, as in KafkaSSE)
    assert nxt.frames[0].obj["n"] == 5
    assert nxt.frames[0].data.startswith(got.tail.partition(b"\ndata: ")[2])
