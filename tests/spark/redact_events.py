"""The real delete/restore events (bundled recordings) and the revision-deletion fixture, as
Kafka records and silver rows for the redaction tests.

The recordings are curated test data (see their ATTRIBUTION.md): ``meta.id`` repeats across
different events (the second deletion of Q52218094 reuses the first deletion's id, and the two
files' page creations share one). Bronze keeps one row per id, so ``unique_ids`` gives a repeat
a suffix: each real event is then one row, as it would be on the live stream.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT / "wikistream_dagster" / "local" / "recordings"
FIXTURES = ROOT / "tests" / "fixtures" / "redaction"
KAFKA_SCHEMA = "value binary, topic string, partition int, offset long, timestamp timestamp"
PAGE = "Q52218094"  # created 2018-03-15, deleted 2018-07-22, restored 07-23, deleted 07-25
HIDDEN_REVISION = 645091413  # an edit of Q14643136 in one_qs_batch (2018-03-07T16)


def events(name: str) -> list[dict]:
    path = FIXTURES / name if (FIXTURES / name).exists() else RECORDINGS / name
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def unique_ids(evs: list[dict], seen: set[str] | None = None) -> list[dict]:
    """Copies of ``evs`` whose repeated ``meta.id`` get a ``-rN`` suffix (see the docstring)."""
    seen = set() if seen is None else seen
    out = []
    for e in evs:
        e = copy.deepcopy(e)
        base, n = e["meta"]["id"], 1
        while e["meta"]["id"] in seen:
            n += 1
            e["meta"]["id"] = f"{base}-r{n}"
        seen.add(e["meta"]["id"])
        out.append(e)
    return out


def lifecycle() -> list[dict]:
    """new_deletion_restore_deletion.ndjson: create, delete, restore, delete again (ids unique)."""
    return unique_ids(events("new_deletion_restore_deletion.ndjson"))


def kafka_rows(spark, evs: list[dict], first_offset: int = 0):
    rows = [
        (bytearray(json.dumps(e).encode()), "raw-events", 0, first_offset + i, datetime(2024, 1, 1))
        for i, e in enumerate(evs)
    ]
    return spark.createDataFrame(rows, KAFKA_SCHEMA)


def silver_rows(spark, evs: list[dict]):
    """Silver rows of ``evs`` through the real bronze parser and silver cleaner (no catalog)."""
    from wikistream_dagster.spark_jobs.transforms.bronze import bronze_rows, parse_kafka
    from wikistream_dagster.spark_jobs.transforms.silver import clean

    return clean(bronze_rows(parse_kafka(kafka_rows(spark, evs)), 0))
