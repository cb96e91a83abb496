"""Loading recordings: NDJSON and raw SSE captures with real-world framing quirks."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikistream_dagster.local.record import RECORDINGS_DIR, id_times, load_recording
from wikistream_dagster.local.sse_frames import (
    CODFW,
    EQIAD,
    IdEntry,
    InvalidAssignmentError,
    SSEFrameSplitter,
    format_event_id,
    parse_event_id,
    parse_since,
)

EV = b'{"meta":{"id":"a","dt":"2018-03-07T16:16:17+00:00"},"timestamp":1520439377}'


def split_all(data: bytes, chunk: int | None = None) -> list:
    s = SSEFrameSplitter()
    step = chunk or len(data) or 1
    frames = [f for i in range(0, len(data), step) for f in s.feed(data[i : i + step])]
    last = s.finish()
    return frames + ([last] if last else [])


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_splitter_line_endings_and_chunking(eol, chunk):
    raw = eol.join(
        [
            b"\xef\xbb\xbf: comment",
            b"retry: 1000",
            b"event: message",
            b"id: 1",
            b'data: {"a":',
            b"data: 1}",
            b"",
            b"event: other",
            b"data:x",
            b"",
            b"data: last-without-blank-line",
        ]
    )
    frames = split_all(raw, chunk)
    assert b"".join(f.raw for f in frames) == raw  # nothing lost or altered
    data = [(f.event, f.id, f.data) for f in frames]
    assert data == [
        ("message", "1", b'{"a":\n1}'),
        ("other", None, b"x"),
        (None, None, b"last-without-blank-line"),
    ]


def test_bundled_recordings_load():
    big = load_recording(RECORDINGS_DIR / "one_qs_batch.ndjson")
    assert len(big) == 3818 and all(r.event == "message" and r.time_ms for r in big)
    times = id_times(big)
    assert times == sorted(times) and times[0] == 1520439377000
    sse = load_recording(RECORDINGS_DIR / "sse_capture_2022-12-11.sse")
    assert len(sse) == 3 and {r.time_ms for r in sse} == {1670732822000}  # id - 1: Kafka time
    assert sse[-1].data.endswith(b"}")  # the final frame has no blank line after it
    assert sum(len(load_recording(p)) for p in RECORDINGS_DIR.glob("*.ndjson")) == 3818 + 98


def test_ndjson_with_bom_crlf_and_garbage_lines(tmp_path: Path):
    p = tmp_path / "x.ndjson"
    p.write_bytes(b"\xef\xbb\xbf" + EV + b"\r\n\r\nnot json\r\n" + EV.replace(b"17+", b"19+"))
    recs = load_recording(p)
    assert [r.data for r in recs] == [EV, b"not json", EV.replace(b"17+", b"19+")]
    assert id_times(recs) == [1520439377000, 1520439377000, 1520439379000]


def test_empty_recording_is_an_error(tmp_path: Path):
    (tmp_path / "e.sse").write_bytes(b": just a comment\n\n")
    with pytest.raises(ValueError, match="no events"):
        load_recording(tmp_path / "e.sse")


def test_ids_round_trip_and_kafkasse_validation():
    raw = format_event_id([(EQIAD, 0, "timestamp", 1520439377001), (CODFW, 0, "offset", -1)])
    assert raw == (
        b'[{"topic":"eqiad.mediawiki.recentchange","partition":0,"timestamp":1520439377001},'
        b'{"topic":"codfw.mediawiki.recentchange","partition":0,"offset":-1}]'
    )
    assert parse_event_id(raw.decode()) == [
        IdEntry(EQIAD, 0, None, 1520439377001, False, True),
        IdEntry(CODFW, 0, -1, None, True, False),
    ]
    # lodash _.isInteger accepts 5.0; a topic name alone means all its partitions
    assert parse_event_id('["x",{"topic":"y","partition":0.0,"offset":5.0,"timestamp":1}]') == [
        IdEntry("x"),
        IdEntry("y", 0, 5, 1, True, True),
    ]
    for bad in (
        "",
        "{}",
        "[]",
        "[1]",
        '[{"topic":"y","partition":0}]',
        '[{"partition":0}]',
        '[{"topic":"y","partition":true,"offset":1}]',
        '[{"topic":"y","partition":0,"offset":1.5}]',
    ):
        with pytest.raises(InvalidAssignmentError):
            parse_event_id(bad)


def test_since():
    assert parse_since("1520439377000") == 1520439377000
    for text in (
        "2018-03-07T16:16:17Z",
        "2018-03-07T16:16:17+00:00",
        "2018-03-07T16:16:17 00:00",
        "2018-03-07T17:16:17+01:00",
        "2018-03-07T16:16:17",
    ):
        assert parse_since(text) == 1520439377000, text
    for bad in ("", "soon", "2018-02-30"):
        with pytest.raises(ValueError):
            parse_since(bad)


def test_loop_event_id_is_uuid5():
    import uuid

    from wikistream_dagster.local.loop_payload import _LOOP_NS, loop_event_id

    for orig, run, k in [
        ("dd8c5690-2222-11e8-a2ad-1418776134f3", "1764150000000", 0),
        ("x", "r", 12345),
        ("", "", 1),
    ]:
        assert loop_event_id(orig, run, k) == str(uuid.uuid5(_LOOP_NS, f"{orig}/{run}/{k}"))
