import random

import pytest

from producer_service.backoff import Backoff
from producer_service.position import AckTracker, PositionStore


def test_committed_id_only_moves_past_fully_acked_prefix():
    t = AckTracker()
    seqs = [t.add(f"id{i}") for i in range(5)]
    t.done(seqs[1])
    t.done(seqs[2])
    assert t.committed_id is None  # event 0 still in flight
    t.done(seqs[0])
    assert t.committed_id == "id2" and t.pending == 2
    t.done(seqs[4])
    assert t.committed_id == "id2"
    t.done(seqs[3])
    assert t.committed_id == "id4" and t.pending == 0 and t.committed_count == 5


def test_random_ack_order_never_commits_an_unacked_event():
    rng = random.Random(7)
    t = AckTracker()
    seqs = [t.add(str(i)) for i in range(500)]
    order = seqs[:]
    rng.shuffle(order)
    acked = set()
    for s in order:
        t.done(s)
        acked.add(s)
        if t.committed_id is not None:
            assert set(range(int(t.committed_id) + 1)) <= acked
    assert t.committed_id == "499"


def test_position_store_round_trip_and_corruption(tmp_path):
    store = PositionStore(tmp_path / "p")
    assert store.load() is None
    store.save('[{"timestamp": 1}]', committed_events=3)
    assert PositionStore(tmp_path / "p").load() == '[{"timestamp": 1}]'
    store.path.write_text("{garbage")
    with pytest.raises(RuntimeError, match="corrupt.*--since"):
        store.load()


def test_backoff_grows_caps_jitters_and_resets():
    b = Backoff(1.0, 8.0, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(6)]
    ceilings = [1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered
    assert b.next_delay(at_least=30) == 30  # Retry-After wins
    b.reset()
    assert b.next_delay() <= 1.0
