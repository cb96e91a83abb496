"""Snapshot-summary properties (``wikistream.*``): what each stage records with its commit.

Every stage commits its bookkeeping in the Iceberg snapshot summary of the very commit that
lands its rows, so a pointer can never claim rows that did not land. The Spark jobs write these
keys; the Dagster sensors, schedule and checks, the lake reader and the benchmarks read them.

- bronze, per micro-batch: ``BronzeBatch`` (batch id, Kafka offset spans, record counts, the
  hours written, the writer's checkpoint and query id) plus, for batches that committed no
  snapshot of their own (DLQ or canary only), their spans and counts under ``earlier-*``;
- silver: ``bronze-snapshot-id`` (bronze processed up to) and ``hours`` (the hours the commit
  wrote);
- gold, on every table: ``silver-snapshot-id`` (the silver snapshot the run read), ``hours``
  (the hours it rebuilt), ``bronze-snapshot-id`` (silver's bronze pointer at that snapshot:
  which bronze rows gold can show) and, for runs the automation requested, ``silver-settled-id``:
  every silver write up to that snapshot is in gold once this commit lands;
- quality history and quarantine: ``run-id``; quarantine also ``hours`` and its action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PREFIX = "wikistream."

# bronze, one micro-batch
BATCH_ID = PREFIX + "batch-id"
KAFKA_OFFSETS = PREFIX + "kafka-offsets"  # {"topic": {"partition": [lo, hi)}} (JSON)
RECORDS = PREFIX + "records"
DLQ_RECORDS = PREFIX + "dlq-records"
CANARY_RECORDS = PREFIX + "canary-records"
MAX_EVENT_TIME = PREFIX + "max-event-time"
CHECKPOINT = PREFIX + "checkpoint"
QUERY_ID = PREFIX + "query-id"
# bronze, batches since the previous snapshot that committed none (DLQ or canary only)
EARLIER_KAFKA_OFFSETS = PREFIX + "earlier-kafka-offsets"  # {"topic": {"p": [[lo, hi], ...]}}
EARLIER_RECORDS = PREFIX + "earlier-records"
EARLIER_DLQ_RECORDS = PREFIX + "earlier-dlq-records"
EARLIER_CANARY_RECORDS = PREFIX + "earlier-canary-records"
# every stage
HOURS = PREFIX + "hours"  # 2018-03-07T16,2018-03-07T17 (contracts/hours.py list form)
RUN_ID = PREFIX + "run-id"
# silver and gold pointers
BRONZE_SNAPSHOT = PREFIX + "bronze-snapshot-id"
SILVER_SNAPSHOT = PREFIX + "silver-snapshot-id"
SILVER_SETTLED = PREFIX + "silver-settled-id"
# redaction (issue 14): a row-level UPDATE that emptied fields and added no rows
REDACTION = PREFIX + "redaction"  # the reason, e.g. page_deleted
# quarantine
QUARANTINE_ACTION = PREFIX + "quarantine-action"  # hold | release | drop


def hour_list(summary: dict[str, str]) -> list[str]:
    """The ``hours`` property of a snapshot summary as a list (empty when absent)."""
    return [h for h in summary.get(HOURS, "").split(",") if h]


def is_bronze_batch(summary: dict[str, str]) -> bool:
    """True for a snapshot a bronze micro-batch committed (not maintenance or a quarantine)."""
    return KAFKA_OFFSETS in summary


@dataclass(frozen=True)
class EarlierBatches:
    """Batches without a snapshot of their own, carried by the next one."""

    kafka_offsets: dict[str, dict[str, list[list[int]]]]
    records: int
    dlq_records: int
    canary_records: int


@dataclass(frozen=True)
class BronzeBatch:
    """What one bronze snapshot says about its micro-batch (writer: ``bronze_writer.py``).

    ``from_properties`` reads any summary, with the defaults the readers show for a snapshot
    that is not a batch (``batch_id`` -1, counts 0); ``is_bronze_batch`` tells them apart.
    """

    batch_id: int = -1
    kafka_offsets: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    records: int = 0
    dlq_records: int = 0
    canary_records: int = 0
    max_event_time: str = ""
    hours: tuple[str, ...] = ()
    checkpoint: str = ""
    query_id: str | None = None
    earlier: EarlierBatches | None = None

    def to_properties(self) -> dict[str, str]:
        props = {
            BATCH_ID: str(self.batch_id),
            KAFKA_OFFSETS: json.dumps(self.kafka_offsets, sort_keys=True),
            RECORDS: str(self.records),
            DLQ_RECORDS: str(self.dlq_records),
            CANARY_RECORDS: str(self.canary_records),
            MAX_EVENT_TIME: self.max_event_time,
            HOURS: ",".join(self.hours),
            CHECKPOINT: self.checkpoint,
        }
        if self.query_id:
            props[QUERY_ID] = self.query_id
        if self.earlier is not None:
            props |= {
                EARLIER_KAFKA_OFFSETS: json.dumps(self.earlier.kafka_offsets, sort_keys=True),
                EARLIER_RECORDS: str(self.earlier.records),
                EARLIER_DLQ_RECORDS: str(self.earlier.dlq_records),
                EARLIER_CANARY_RECORDS: str(self.earlier.canary_records),
            }
        return props

    @classmethod
    def from_properties(cls, summary: dict[str, Any]) -> BronzeBatch:
        s = summary
        earlier = None
        if EARLIER_KAFKA_OFFSETS in s or EARLIER_RECORDS in s:
            earlier = EarlierBatches(
                kafka_offsets=json.loads(s.get(EARLIER_KAFKA_OFFSETS, "{}")),
                records=int(s.get(EARLIER_RECORDS, 0)),
                dlq_records=int(s.get(EARLIER_DLQ_RECORDS, 0)),
                canary_records=int(s.get(EARLIER_CANARY_RECORDS, 0)),
            )
        return cls(
            batch_id=int(s.get(BATCH_ID, -1)),
            kafka_offsets=json.loads(s.get(KAFKA_OFFSETS, "{}")),
            records=int(s.get(RECORDS, 0)),
            dlq_records=int(s.get(DLQ_RECORDS, 0)),
            canary_records=int(s.get(CANARY_RECORDS, 0)),
            max_event_time=s.get(MAX_EVENT_TIME, ""),
            hours=tuple(hour_list(s)),
            checkpoint=s.get(CHECKPOINT, ""),
            query_id=s.get(QUERY_ID),
            earlier=earlier,
        )

    @property
    def total_records(self) -> int:
        """Records consumed by this batch and the earlier ones it carries."""
        return self.records + (self.earlier.records if self.earlier else 0)

    @property
    def total_dlq_records(self) -> int:
        return self.dlq_records + (self.earlier.dlq_records if self.earlier else 0)

    @property
    def total_canary_records(self) -> int:
        return self.canary_records + (self.earlier.canary_records if self.earlier else 0)
