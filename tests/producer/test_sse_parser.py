from producer_service.sse_parser import SSEParser

FRAME = b'event: message\nid: [{"timestamp":1}]\ndata: {"a":1}\n\n'


def _all(parser: SSEParser, chunks: list[bytes]):
    out = []
    for c in chunks:
        out += parser.feed(c)
    last = parser.close()
    return out + ([last] if last else [])


def test_basic_frame_and_id():
    frames = _all(SSEParser(), [FRAME])
    assert [(f.event, f.data, f.id) for f in frames] == [
        ("message", b'{"a":1}', '[{"timestamp":1}]')
    ]


def test_every_split_point_gives_the_same_frames():
    stream = FRAME + b"data: x\r\n\r\n" + b"data: y\r\rdata: z\n\n"
    want = [f.data for f in _all(SSEParser(), [stream])]
    assert want == [b'{"a":1}', b"x", b"y", b"z"]
    for i in range(len(stream)):
        assert [f.data for f in _all(SSEParser(), [stream[:i], stream[i:]])] == want, i


def test_crlf_and_cr_line_endings():
    crlf = FRAME.replace(b"\n", b"\r\n")
    cr = FRAME.replace(b"\n", b"\r")
    for stream in (crlf, cr):
        frames = _all(SSEParser(), [stream])
        assert [f.data for f in frames] == [b'{"a":1}']


def test_bom_comments_retry_and_unknown_fields():
    p = SSEParser()
    frames = _all(p, [b"\xef\xbb", b"\xbf: hello\nretry: 2500\nfoo: bar\n" + FRAME])
    assert [f.data for f in frames] == [b'{"a":1}']
    assert p.comments == 1 and p.retry_ms == 2500


def test_multiline_data_joined_with_newline():
    frames = _all(SSEParser(), [b"data: a\ndata: b\n\n"])
    assert frames[0].data == b"a\nb"


def test_id_persists_and_nul_ids_are_ignored():
    frames = _all(SSEParser(), [b"id: 7\ndata: a\n\nid: x\x00y\ndata: b\n\ndata: c\n\n"])
    assert [f.id for f in frames] == ["7", "7", "7"]


def test_final_frame_without_blank_line_is_incomplete_and_has_no_id():
    # WHATWG: an event is dispatched only at its blank line; at end of stream it is discarded.
    for tail in (b"data: a\n", b'data: {"a":', b"data: a\r"):
        p = SSEParser(last_id="old")
        cut = _all(p, [b"id: 1\ndata: x\n\nid: 2\n" + tail])
        assert [f.data for f in cut] == [b"x", cut[1].data] and cut[1].truncated, tail
        assert cut[0].id == "1" and cut[1].id is None and p.last_id == "1", tail


def test_id_line_takes_effect_only_when_its_frame_completes():
    # cut after the id line: no frame, and the id of the event that never came is not taken
    p = SSEParser(last_id="good")
    assert _all(p, [b'data: a\n\nid: [{"timestamp":9}]\n']) and p.last_id == "good"
    p = SSEParser(last_id="good")
    assert _all(p, [b'data: a\n\nid: [{"tim']) and p.last_id == "good"
    # cut inside the data: the cut frame is returned without an id, last_id stays
    p = SSEParser(last_id="good")
    frames = _all(p, [b'id: 5\ndata: a\n\nevent: message\nid: 6\ndata: {"me'])
    assert [(f.id, f.truncated) for f in frames] == [("5", False), (None, True)]
    assert p.last_id == "5"
    # every split point of a complete stream gives the same ids
    stream = b"id: 1\ndata: a\n\nid: 2\ndata: b\n\n"
    for i in range(len(stream)):
        p = SSEParser()
        got = p.feed(stream[:i]) + p.feed(stream[i:])
        assert [f.id for f in got] == ["1", "2"] and p.last_id == "2", i


def test_id_of_a_data_less_frame_takes_effect_at_its_blank_line():
    p = SSEParser()
    assert p.feed(b"id: 3\n\n") == [] and p.last_id == "3"
    assert p.feed(b"data: a\n\n")[0].id == "3"


def test_oversized_frame_is_bounded_and_flagged():
    big = b"data: " + b"x" * 5000 + b"\n\n" + FRAME
    frames = _all(
        SSEParser(max_event_bytes=1000), [big[i : i + 700] for i in range(0, len(big), 700)]
    )
    assert frames[0].oversized and frames[0].size >= 5000
    assert frames[1].data == b'{"a":1}' and not frames[1].oversized


def test_endless_line_does_not_buffer_everything():
    p = SSEParser(max_event_bytes=2000)
    for _ in range(100):
        p.feed(b"data: " + b"y" * 10_000)
    assert len(p._buf) < 20_000
    frames = p.feed(b"\n\n")
    assert frames[0].oversized and frames[0].size >= 1_000_000


def test_invalid_utf8_stays_bytes():
    frames = _all(SSEParser(), [b"data: \xff\xfe\n\n"])
    assert frames[0].data == b"\xff\xfe"


def test_empty_data_frames_are_not_dispatched():
    assert _all(SSEParser(), [b"event: message\n\n\n"]) == []
