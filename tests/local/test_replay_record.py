"""The recorder against the replay server: raw capture, ids kept, round trip, interruption."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.local.replay_client import read
from wikistream_dagster.local.record import (
    RecordError,
    arecord_stream,
    load_recording,
    record_stream,
)
from wikistream_dagster.local.replay import ReplayServerThread

pytestmark = pytest.mark.timeout(60)
UA = "WikiStream-tests/0.1 (https://example.org/wikistream; tests@example.org)"


def test_record_round_trip(recording: Path, tmp_path: Path):
    records = load_recording(recording)[:300]
    out = tmp_path / "capture.sse"
    with ReplayServerThread(records, speed=0) as srv:
        served = read(srv.url, max_frames=200)
        n = record_stream(srv.url, out, max_events=200, user_agent=UA)
        assert srv.stats()["last_user_agent"] == UA
    assert n == 200
    assert out.read_bytes() == served.raw  # exactly as received, ids included
    again = load_recording(out)
    assert [r.data for r in again] == [r.data for r in records[:200]]
    with ReplayServerThread(out, speed=0) as srv2:  # the capture replays identically
        replayed = read(srv2.url)
    assert replayed.raw == served.raw


def test_record_since_and_stream_end(recording: Path, tmp_path: Path):
    records = load_recording(recording)[:50]
    with ReplayServerThread(records, speed=0) as srv:
        first = read(srv.url)
        since = str(first.frames[30].id_ms - 1)  # that event's Kafka time
        n = record_stream(srv.url, tmp_path / "s.sse", max_events=None, user_agent=UA, since=since)
    recorded = load_recording(tmp_path / "s.sse")
    start = next(i for i, f in enumerate(first.frames) if f.id_ms - 1 >= int(since))
    assert start <= 30 and n == len(recorded) == 50 - start
    assert [r.data for r in recorded] == [f.data for f in first.frames[-n:]]


def test_interrupted_recording_is_still_valid(recording: Path, tmp_path: Path):
    out = tmp_path / "cut.sse"
    with ReplayServerThread(load_recording(recording)[:400], speed=50) as srv:

        async def cut() -> None:
            try:
                await asyncio.wait_for(
                    arecord_stream(srv.url, out, max_events=None, user_agent=UA), 0.5
                )
            except TimeoutError:
                pass

        asyncio.run(cut())
    recorded = load_recording(out)
    assert 0 < len(recorded) < 400
    assert out.read_bytes().endswith(b"\n\n")  # only complete frames were written


def test_http_errors_and_missing_user_agent(fast_server, tmp_path: Path):
    with pytest.raises(RecordError, match="HTTP 400"):
        record_stream(
            fast_server.url, tmp_path / "x.sse", max_events=1, user_agent=UA, since="garbage"
        )
    with pytest.raises(RecordError, match="User-Agent"):
        record_stream(fast_server.url, tmp_path / "x.sse", max_events=1, user_agent=" ")
