"""The service's position rule, fed frames directly (the sink acknowledges at once)."""

import json

from producer_service.service import ProducerService
from producer_service.settings import parse_settings
from producer_service.sse_parser import SSEParser

UA = "t (t@example.org)"
EQ, CO = "eqiad.mediawiki.recentchange", "codfw.mediawiki.recentchange"


class AckingSink:
    def __init__(self):
        self.sent = []

    def produce(self, topic, key, value, on_delivery):
        self.sent.append((topic, key))
        on_delivery(None, None)


def _frame(n: int, eq_ts: int, co: dict) -> bytes:
    sse_id = json.dumps([{"topic": EQ, "partition": 0, "timestamp": eq_ts}, co])
    data = {"meta": {"id": f"e{n}", "dt": "2024-05-01T00:00:00Z", "domain": "x.org"}}
    data |= {"type": "edit", "wiki": "xwiki"}
    return f"event: message\nid: {sse_id}\ndata: {json.dumps(data)}\n\n".encode()


def _service(tmp_path) -> ProducerService:
    s = parse_settings(["--user-agent", UA, "--state-dir", str(tmp_path)], env={})
    return ProducerService(s, sink=AckingSink())


def test_cut_frames_and_resent_events_never_move_the_position(tmp_path):
    svc = _service(tmp_path)
    latest = {"topic": CO, "partition": 0, "offset": -1}
    first = _frame(1, 5001, latest) + _frame(
        2, 6001, {"topic": CO, "partition": 0, "timestamp": 9001}
    )
    parser = SSEParser()
    for f in parser.feed(first + _frame(3, 7001, latest)[:-30]):  # the third is cut in its data
        svc.handle(f)
    svc.handle(parser.close())
    svc.save_position()
    saved = json.loads((tmp_path / "position.json").read_text())
    assert json.loads(saved["last_event_id"])[0]["timestamp"] == 6001
    assert svc.counters.filter_reasons["incomplete_frame"] == 1
    # a rewound resume re-sends event 1 (older timestamps, codfw still at its assignment)
    for f in SSEParser().feed(_frame(1, 5001, {"topic": CO, "partition": 0, "offset": 4})):
        svc.handle(f)
    svc.save_position()
    assert svc.counters.filter_reasons["duplicate"] == 1
    assert svc.latest_id and json.loads(svc._saved_id)[1]["timestamp"] == 9001
    # a new event whose id shows codfw's rewound assignment: codfw stays at 9001
    for f in SSEParser().feed(_frame(4, 8001, {"topic": CO, "partition": 0, "offset": 4})):
        svc.handle(f)
    svc.save_position()
    pos = json.loads(json.loads((tmp_path / "position.json").read_text())["last_event_id"])
    assert pos == [
        {"topic": EQ, "partition": 0, "timestamp": 8001},
        {"topic": CO, "partition": 0, "timestamp": 9001},
    ]
    assert [k for _, k in svc.sink.sent] == [b"e1", b"e2", b"e4"]
    c = svc.counters
    assert c.received == 5 == c.produced + c.dead_lettered + c.filtered
