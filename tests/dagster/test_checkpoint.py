"""Reading bronze's Structured Streaming checkpoint (Spark 3.5's offset and commit logs) and
its failure record. The real job's checkpoint is read in tests/spark/test_bronze_kafka.py."""

from pathlib import Path

from wikistream_dagster.spark_jobs import checkpoint as ckpt

OFFSETS = (
    "v1\n"
    '{"batchWatermarkMs":0,"batchTimestampMs":1764600000000,"conf":'
    '{"spark.sql.shuffle.partitions":"2"}}\n'
    '{"raw-events":{"1":70,"0":500}}\n'
)


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def test_newest_committed_batch_is_the_processed_position(tmp_path):
    write(tmp_path, "offsets/6", OFFSETS.replace("500", "450"))
    write(tmp_path, "commits/6", 'v1\n{"nextBatchWatermarkMs":0}\n')
    write(tmp_path, "offsets/7", OFFSETS)  # planned, still running: not processed yet
    write(tmp_path, "commits/.7.5f2c.tmp", "partial")
    write(tmp_path, "offsets/.6.crc", "crc")
    batch = ckpt.latest_committed(*ckpt.local_io(str(tmp_path)))
    assert batch.batch_id == 6 and batch.topic("raw-events") == {"0": 450, "1": 70}
    assert batch.planned_at_ms == 1764600000000
    assert ckpt.lag({"0": 500, "1": 70, "2": 3}, batch.topic("raw-events")) == 53


def test_no_checkpoint_or_nothing_committed_is_none(tmp_path):
    assert ckpt.latest_committed(*ckpt.local_io(str(tmp_path / "absent"))) is None
    write(tmp_path, "offsets/0", OFFSETS)
    assert ckpt.latest_committed(*ckpt.local_io(str(tmp_path))) is None


def test_sources_without_new_offsets_are_dashes():
    offsets, _ = ckpt.parse_offsets("v1\n{}\n-\n" + OFFSETS.splitlines()[2])
    assert offsets == {"raw-events": {"0": 500, "1": 70}}


def test_batch_ranges_run_from_the_previous_batch_end(tmp_path):
    write(tmp_path, "offsets/6", OFFSETS.replace("500", "450"))
    write(tmp_path, "offsets/7", OFFSETS)
    ranges = ckpt.batch_ranges(*ckpt.local_io(str(tmp_path)), 7)
    assert ranges == {"raw-events": {"0": [450, 500], "1": [70, 70]}}


def test_failure_record_round_trips_and_reads_well():
    f = ckpt.BatchFailure(7, {"raw-events": {"0": [450, 500]}}, "java.io.IOException", "boom", "t")
    back = ckpt.BatchFailure.from_json(f.to_json())
    assert back == f
    assert "batch 7" in back.describe() and "raw-events/0 [450, 500)" in back.describe()


def test_spans_merge_when_touching_and_keep_holes():
    acc = ckpt.add_spans({}, {"raw-events": {"0": [10, 12]}})
    acc = ckpt.add_spans(acc, {"raw-events": {"0": [14, 17], "1": [3, 4]}})
    acc = ckpt.add_spans(acc, {"raw-events": {"0": [12, 13]}})
    assert acc == {"raw-events": {"0": [[10, 13], [14, 17]], "1": [[3, 4]]}}


def summary(batch: int, checkpoint="cp", query="q") -> dict:
    return {
        "wikistream.batch-id": str(batch),
        "wikistream.checkpoint": checkpoint,
        "wikistream.query-id": query,
    }


def test_writer_conflict_rules():
    conflict = ckpt.writer_conflict
    assert conflict(None, "cp", "q", 0, None) is None  # empty table
    assert conflict(summary(4), "cp", "q", 5, None) is None  # the next batch
    assert conflict(summary(5), "cp", "q", 5, None) is None  # a replay after a crash
    assert conflict(summary(5), "cp", "q", 6, 5) is None  # our own last batch
    assert conflict(summary(9), "other", "q", 0, None) is None  # another stream
    assert conflict(summary(9), "cp", "new-query", 0, None) is None  # checkpoint recreated
    ahead = conflict(summary(7), "cp", "q", 5, None)
    assert "another bronze writer" in ahead and "batch 7" in ahead and "Fix:" in ahead
    assert "batch 6 was committed after this writer's batch 5" in conflict(
        summary(6), "cp", "q", 7, 5
    )
