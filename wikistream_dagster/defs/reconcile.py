"""Exactly-once made visible: bronze's Kafka offsets and record counts, from its snapshots.

Reconciliation is a running tally: each snapshot is added once (``Tally.add``), and the tally
is small (merged offset spans per partition, a few counters) and serialisable, so a caller that
keeps it (the ``bronze_reconciliation`` check, in its own metadata) reads only the snapshots
committed since, whatever the table's age.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from wikistream_dagster.contracts import snapshot as S


def _merge(spans: list[list[int]], lo: int, hi: int) -> list[list[int]]:
    """``spans`` (sorted, disjoint ``[lo, hi)``) plus one more; touching spans merge."""
    out: list[list[int]] = []
    for s in sorted([*spans, [lo, hi]]):
        if out and s[0] <= out[-1][1]:
            out[-1][1] = max(out[-1][1], s[1])
        else:
            out.append(list(s))
    return out


@dataclass
class Tally:
    """What bronze's snapshots say so far: consumed offset spans and the fate of records."""

    spans: dict[str, list[list[int]]] = field(default_factory=dict)  # "topic/partition"
    records: int = 0
    dlq: int = 0
    canary: int = 0
    added: int = 0
    snapshots: int = 0
    last_snapshot_id: int | None = None

    def add(self, snapshots: list[dict]) -> Tally:
        """Add snapshots (oldest first, each once). Each bronze snapshot records the offset
        span ``[lo, hi)`` it consumed per partition, plus (``earlier-kafka-offsets``,
        ``earlier-records``...) the spans and counts of the batches since the previous
        snapshot that committed none because they held only DLQ or canary records. Spans of
        consecutive batches must touch (a gap is a lost record); overlaps are batches replayed
        after a restart, which the MERGE makes harmless."""
        for snap in snapshots:
            if "snapshot_id" in snap:
                self.last_snapshot_id = snap["snapshot_id"]
            s = snap["summary"]
            if not S.is_bronze_batch(s):
                continue
            batch = S.BronzeBatch.from_properties(s)
            self.snapshots += 1
            self.records += batch.total_records
            self.dlq += batch.total_dlq_records
            self.canary += batch.total_canary_records
            self.added += int(s.get("added-records", 0))
            for topic, parts in batch.kafka_offsets.items():
                for part, (lo, hi) in parts.items():
                    self._span(f"{topic}/{part}", lo, hi)
            for topic, parts in (batch.earlier.kafka_offsets if batch.earlier else {}).items():
                for part, items in parts.items():
                    for lo, hi in items:
                        self._span(f"{topic}/{part}", lo, hi)
        return self

    def _span(self, key: str, lo: int, hi: int) -> None:
        self.spans[key] = _merge(self.spans.get(key, []), int(lo), int(hi))

    def result(self) -> dict:
        """Offset gaps per partition and the fate of every consumed record."""
        gaps, consumed = {}, 0
        for key, spans in self.spans.items():
            consumed += sum(hi - lo for lo, hi in spans)
            missing = sum(b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False))
            if missing:
                gaps[key] = missing
        return {
            "offsets_consumed": consumed,
            "offset_gaps": gaps,
            "records_read": self.records,
            "rows_inserted": self.added,
            "dead_lettered": self.dlq,
            "canary": self.canary,
            "already_present_or_duplicate": self.records - self.added - self.dlq - self.canary,
            "dlq_rate": self.dlq / self.records if self.records else 0.0,
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None) -> Tally:
        return cls(**json.loads(raw)) if raw else cls()


def reconcile(snapshots: list[dict]) -> dict:
    """Offset gaps per partition and the fate of every consumed record, over ``snapshots``."""
    return Tally().add(snapshots).result()
