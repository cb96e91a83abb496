"""The replay server resumes like KafkaSSE (wikimedia/KafkaSSE lib/KafkaSSE.js, lib/utils.js),
including its awkward parts: timestamp + 1 ids, offsetsForTimes on unordered timestamps,
``offset: -1`` entries, only the listed partitions consumed, entry order after a resume."""

from __future__ import annotations

import bisect

import orjson
import pytest

from tests.local.replay_client import read
from wikistream_dagster.local.event_ids import CODFW, EQIAD
from wikistream_dagster.local.record import RECORDINGS_DIR, Recorded
from wikistream_dagster.local.replay import ReplayServerThread
from wikistream_dagster.local.sse_frames import format_dt

pytestmark = pytest.mark.timeout(60)
T0 = 1_700_000_000_000


def synth(n: int, step_ms: int, t0: int = T0) -> list[Recorded]:
    """n events step_ms apart (ms-precision times, unlike the bundled recording)."""
    out = []
    for i in range(n):
        ms = t0 + i * step_ms
        obj = {"meta": {"id": f"ev-{i}", "dt": format_dt(ms)}, "timestamp": ms // 1000, "n": i}
        out.append(Recorded(orjson.dumps(obj), "message", ms))
    return out


def ns(frames) -> list[int]:
    return [f.obj["n"] for f in frames]


def lei(*entries: dict) -> dict:
    return {"Last-Event-ID": orjson.dumps(list(entries)).decode()}


def e(topic: str, **kw: int) -> dict:
    return {"topic": topic, "partition": 0, **kw}


@pytest.fixture(scope="module")
def srv():
    with ReplayServerThread(synth(60, 250), speed=0) as s:  # 4 events a second
        yield s


def test_fresh_ids_are_timestamp_plus_one_and_offset_minus_one(srv):
    res = read(srv.url)
    assert ns(res.frames) == list(range(60))
    assert res.frames[7].entries == [
        e(EQIAD, timestamp=T0 + 7 * 250 + 1),  # Kafka time + 1
        e(CODFW, offset=-1),  # nothing of codfw sent yet: the assignment, "latest"
    ]


@pytest.mark.parametrize(
    "entry,first",
    [
        (e(EQIAD, offset=37), 37),
        (e(EQIAD, offset=0), 0),
        (e(EQIAD, offset=-2), 0),  # Kafka's "beginning"
        (e(EQIAD, offset=-1), None),  # the end at connect time: nothing of a finite recording
        (e(EQIAD, offset=999), None),  # past the end: auto.offset.reset = latest
        (e(EQIAD, timestamp=T0 + 10 * 250), 10),  # first message with timestamp >= t
        (e(EQIAD, timestamp=T0 + 10 * 250 + 1), 11),
        (e(EQIAD, timestamp=T0 + 99_000), None),  # none that late: -1, latest
        (e(EQIAD, timestamp=-2), 0),  # offsetsForTimes' "earliest"
    ],
)
def test_each_entry_kind_resumes_like_kafkasse(srv, entry, first):
    res = read(srv.url, headers=lei(entry))
    assert res.status == 200 and res.ended
    assert ns(res.frames) == ([] if first is None else list(range(first, 60)))
    if res.frames:  # only the listed partition is assigned, so only it is in the ids
        assert [x["topic"] for x in res.frames[0].entries] == [EQIAD]


def test_timestamp_entries_are_resolved_after_offset_entries_and_reorder_the_id(srv):
    # the real stream's id: eqiad timestamp first, codfw offset -1 second. Resuming with it
    # lists the offset entries first, then the resolved ones (assignmentsForTimesAsync).
    res = read(srv.url, headers=lei(e(EQIAD, timestamp=T0 + 2501), e(CODFW, offset=-1)))
    assert ns(res.frames) == list(range(11, 60))
    assert res.frames[0].entries == [e(CODFW, offset=-1), e(EQIAD, timestamp=T0 + 2751)]


def test_an_entry_with_offset_and_timestamp_is_dropped_next_to_a_timestamp_entry(srv):
    both = e(EQIAD, offset=5, timestamp=T0)
    alone = read(srv.url, headers=lei(both))
    assert ns(alone.frames) == list(range(5, 60))  # no timestamp to resolve: offset used
    res = read(srv.url, headers=lei(both, e(CODFW, timestamp=T0)))
    assert res.frames == [] and res.ended  # eqiad is no longer assigned at all


def test_topic_name_entries_and_since_assign_every_partition(srv):
    assert read(srv.url, headers=lei(EQIAD)).frames == []  # a topic name: latest
    res = read(srv.url, params={"since": str(T0 + 12 * 250 - 1)})
    assert ns(res.frames) == list(range(12, 60))
    assert res.frames[0].entries[1] == e(CODFW, offset=-1)  # offsetsForTimes found none


@pytest.mark.parametrize("whole", [False, True])
def test_whole_second_timestamps_lose_the_rest_of_a_second_on_resume(whole):
    """The real stream's timestamps are whole seconds (see the capture: three frames with
    ...822001). Resuming with the raw id of a frame mid-second skips the rest of the second,
    as the real service does; with ms timestamps nothing is skipped."""
    with ReplayServerThread(synth(40, 250), speed=0, whole_seconds=whole) as s:
        full = read(s.url)
        resumed = read(s.url, headers={"Last-Event-ID": full.frames[5].id})
    stamps = [f.entries[0]["timestamp"] for f in full.frames]
    if whole:
        assert stamps[4:8] == [T0 + 1001] * 4 and all((t - 1) % 1000 == 0 for t in stamps)
        assert ns(resumed.frames) == list(range(8, 40))  # events 6 and 7 are lost
    else:
        assert ns(resumed.frames) == list(range(6, 40))


def test_the_real_capture_shares_one_timestamp_so_resume_skips_its_later_frames():
    with ReplayServerThread(RECORDINGS_DIR / "sse_capture_2022-12-11.sse", speed=0) as s:
        full = read(s.url)
        resumed = read(s.url, headers={"Last-Event-ID": full.frames[0].id})
    assert {f.id for f in full.frames} == {full.frames[0].id} and len(full.frames) == 3
    assert resumed.frames == []  # frames 2 and 3 were never delivered


def test_disordered_timestamps_skip_and_resend_like_offsets_for_times():
    n = 80
    with ReplayServerThread(synth(n, 100), speed=0, disorder_ms=700, seed=7) as s:
        full = read(s.url)
        kafka = [f.entries[0]["timestamp"] - 1 for f in full.frames]
        assert kafka != sorted(kafka)  # not ordered by offset
        running = [max(kafka[: i + 1]) for i in range(n)]
        skipped = resent = 0
        for k in range(0, n - 1, 3):
            res = read(s.url, headers={"Last-Event-ID": full.frames[k].id})
            start = bisect.bisect_left(running, kafka[k] + 1)  # first offset with ts >= t
            assert ns(res.frames) == list(range(start, n))
            skipped += start > k + 1
            resent += start <= k
    assert skipped and resent  # both happen with unordered timestamps


def test_switchover_then_resume_with_offset_minus_one_skips_what_codfw_received():
    with ReplayServerThread(synth(100, 250), speed=0, switchover_at=40) as s:
        full = read(s.url)
        assert ns(full.frames) == list(range(100))  # a fresh connection: both partitions
        assert full.frames[20].entries[1] == e(CODFW, offset=-1)
        assert full.frames[60].entries == [
            e(EQIAD, timestamp=T0 + 39 * 250 + 1),
            e(CODFW, timestamp=T0 + 60 * 250 + 1),
        ]
        resumed = read(s.url, headers={"Last-Event-ID": full.frames[20].id})
        assert s.stats()["end_offsets"] == {EQIAD: 40, CODFW: 60}
    # eqiad resumes by time; codfw at "latest": its 60 events are never delivered
    assert ns(resumed.frames) == list(range(21, 40))
    assert resumed.frames[0].entries[0] == e(CODFW, offset=-1)  # offset entries come first


def test_switchover_in_loop_mode_moves_every_later_loop_to_codfw():
    with ReplayServerThread(synth(8, 250), speed=0, loop=True, switchover_at=12) as s:
        res = read(s.url, max_frames=30)
        topics = [[x["topic"] for x in f.entries if "timestamp" in x] for f in res.frames]
        assert topics[11] == [EQIAD] and topics[12] == topics[29] == [EQIAD, CODFW]
        # resume by the codfw timestamp only: the rest of codfw, nothing of eqiad
        codfw_only = [x for x in res.frames[20].entries if x["topic"] == CODFW]
        resumed = read(s.url, headers=lei(*codfw_only), max_frames=5)
        ids = [f.obj["meta"]["id"] for f in res.frames]
        assert [f.obj["meta"]["id"] for f in resumed.frames] == ids[21:26]
        assert s.stats()["end_offsets"][EQIAD] == 12
