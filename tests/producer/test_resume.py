import json

from producer_service.dedup import RecentKeys, dlq_key
from producer_service.position import AckTracker, PositionStore
from producer_service.resume import advance, rewind_id

EQ, CO = "eqiad.mediawiki.recentchange", "codfw.mediawiki.recentchange"


def _sent(saved: list, saved_at: float | None = None, rewind_s: float = 10.0) -> list:
    r = rewind_id(json.dumps(saved), saved_at, rewind_s)
    assert r.rewound
    return json.loads(r.header)


def test_timestamp_entries_go_back_by_the_margin():
    saved = [
        {"topic": EQ, "partition": 0, "timestamp": 1670732822001},
        {"topic": EQ, "partition": 1, "timestamp": 1670732815001},
    ]
    assert _sent(saved) == [
        {"topic": EQ, "partition": 0, "timestamp": 1670732812001},
        {"topic": EQ, "partition": 1, "timestamp": 1670732805001},
    ]
    assert _sent(saved, rewind_s=2.5)[0]["timestamp"] == 1670732819501
    assert _sent([{"topic": EQ, "partition": 0, "timestamp": 3}])[0]["timestamp"] == 0


def test_latest_entry_becomes_the_last_event_time_minus_the_margin():
    # the real stream's first id: nothing of codfw sent yet, so its entry says "latest"
    saved = [
        {"topic": EQ, "partition": 0, "timestamp": 1670732822001},
        {"topic": CO, "partition": 0, "offset": -1},
    ]
    assert _sent(saved, saved_at=1.0)[1] == {
        "topic": CO,
        "partition": 0,
        "timestamp": 1670732812001,  # the id's newest timestamp wins over the wall clock
    }


def test_latest_only_id_uses_the_saved_wall_clock_time():
    saved = [
        {"topic": EQ, "partition": 0, "offset": -1},
        {"topic": CO, "partition": 0, "offset": -1},
    ]
    sent = _sent(saved, saved_at=1_700_000_000.25, rewind_s=10)
    assert [e["timestamp"] for e in sent] == [1_699_999_990_250] * 2
    assert all("offset" not in e for e in sent)
    r = rewind_id(json.dumps(saved), None, 10)  # no time known at all: sent unchanged
    assert not r.rewound and r.header == json.dumps(saved) and "unchanged" in r.note


def test_exact_offsets_are_kept():
    saved = [
        {"topic": EQ, "partition": 0, "offset": 4369496612},
        {"topic": CO, "partition": 0, "timestamp": 2_000_000},
    ]
    assert _sent(saved) == [saved[0], {"topic": CO, "partition": 0, "timestamp": 1_990_000}]
    only = json.dumps([saved[0]])
    r = rewind_id(only, 5.0, 10)
    assert (r.header, r.rewound) == (only, False)


def test_legacy_and_non_array_ids_are_sent_unchanged_with_a_reason():
    for legacy in ("1520439372000", "not json", '{"timestamp": 5}', "[1, 2]"):
        r = rewind_id(legacy, 1.0, 10)
        assert (r.header, r.rewound) == (legacy, False) and "unchanged" in r.note, legacy
    assert rewind_id(None, 1.0, 10).header is None and rewind_id("", 1.0, 10).header is None


def test_tracker_never_moves_to_an_id_added_as_none_and_keeps_the_receive_time():
    t = AckTracker()
    a = t.add("A", 10.0)
    dup = t.add(None, 11.0)  # a re-sent duplicate or a cut frame
    t.done(dup)
    t.done(a)
    assert (t.committed_id, t.committed_at, t.committed_count) == ("A", 10.0, 2)


def test_position_record_keeps_the_receive_time(tmp_path):
    store = PositionStore(tmp_path)
    assert store.load_record() == {}
    store.save("[]", received_at=12.5)
    assert store.load_record()["received_at"] == 12.5 and store.load() == "[]"


def test_recent_keys_is_bounded_and_dlq_keys_are_stable():
    w = RecentKeys(3)
    w.extend([b"a", b"b", b"c", b"d"])
    assert b"a" not in w and b"d" in w and len(w) == 3
    assert dlq_key("e1", b"x") == b"e1"
    assert dlq_key(None, b"{bad") == dlq_key(None, b"{bad") != dlq_key(None, b"{bad2")


def test_position_never_moves_back_per_partition_and_keeps_left_out_partitions():
    saved = json.dumps(
        [
            {"topic": EQ, "partition": 0, "timestamp": 5000},
            {"topic": CO, "partition": 0, "timestamp": 9000},
        ]
    )
    # after a rewound resume: eqiad moves on, codfw shows its (rewound) assignment
    later = json.dumps(
        [
            {"topic": EQ, "partition": 0, "timestamp": 6000},
            {"topic": CO, "partition": 0, "offset": 17},
        ]
    )
    assert json.loads(advance(saved, later)) == [
        {"topic": EQ, "partition": 0, "timestamp": 6000},
        {"topic": CO, "partition": 0, "timestamp": 9000},
    ]
    # a re-sent older event does not move a partition back; a left-out partition is kept
    older = json.dumps([{"topic": EQ, "partition": 0, "timestamp": 4000}])
    assert json.loads(advance(saved, older)) == json.loads(saved)
    assert advance(saved, saved) == saved
    assert advance(None, later) == later and advance(saved, None) == saved
    assert advance(saved, "legacy") == "legacy" and advance("legacy", later) == later
