import time

from confluent_kafka import Producer

from producer_service.seed import read_tail_keys
from tests.kafka_helpers import new_topics


def test_tail_keys_are_the_last_records_of_every_partition(kafka_broker):
    raw, _ = new_topics(kafka_broker, "seed", partitions=3)
    p = Producer({"bootstrap.servers": kafka_broker})
    for i in range(30):
        p.produce(raw, b"v", f"k{i:02d}".encode(), partition=i % 3)
    p.produce(raw, b"no key", None, partition=0)  # unkeyed records are skipped
    assert p.flush(30) == 0
    conf = {"bootstrap.servers": kafka_broker, "group.id": "t", "enable.partition.eof": True}
    res = read_tail_keys(conf, raw, per_partition=4, timeout=20)
    assert res.complete and res.error is None and res.partitions == 3
    # partition 0's last 4 records include the unkeyed one: 3 keys from it, 4 from the others
    want = {"k21", "k24", "k27"} | {f"k{i:02d}" for i in range(30) if i % 3 and i >= 18}
    assert {k.decode() for k in res.keys} == want
    assert read_tail_keys(conf, raw, per_partition=1000, timeout=20).keys == [
        f"k{i:02d}".encode() for i in range(30)
    ]  # oldest first (by record time, then offset)


def test_an_unreachable_broker_is_bounded_and_reported():
    started = time.monotonic()
    res = read_tail_keys({"bootstrap.servers": "127.0.0.1:1", "group.id": "t"}, "x", 10, 1.5)
    assert time.monotonic() - started < 10
    assert not res.keys and res.error
