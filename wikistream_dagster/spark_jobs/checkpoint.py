"""What bronze has processed and why it last failed, read from its Structured Streaming checkpoint.

Standard library only: the Spark job writes the failure record and the Dagster supervisor reads
both, locally (paths) or on S3 (through its own client), with the same parsing.

Spark 3.5's layout (``HDFSMetadataLog``, one file per batch id, written atomically):
``offsets/N`` (``OffsetSeqLog``) is ``v1``, one JSON line of batch metadata
(``batchWatermarkMs``, ``batchTimestampMs``, ``conf``), then one line per source: the
source's end offset for batch N as JSON (Kafka: ``{"topic": {"partition": offset}}``) or
``-`` when that source had none. ``commits/N`` (``CommitLog``) exists once batch N's sink
finished; so the newest N with both files holds the offsets bronze has processed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

FAILURE_FILE = "wikistream/last-failure.json"

Offsets = dict[str, dict[str, int]]  # topic -> partition -> next offset


@dataclass(frozen=True)
class CommittedBatch:
    """The newest batch Spark committed: its id, end offsets and when it was planned."""

    batch_id: int
    offsets: Offsets
    planned_at_ms: int | None = None

    def topic(self, topic: str) -> dict[str, int]:
        return self.offsets.get(topic, {})


@dataclass(frozen=True)
class BatchFailure:
    """Why a bronze micro-batch failed: written by the job, read into the supervisor's alert."""

    batch_id: int
    offsets: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # [from, to) ranges
    error_class: str = ""
    message: str = ""
    at: str = ""  # ISO-8601 UTC

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> BatchFailure:
        d = json.loads(raw)
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def describe(self) -> str:
        ranges = "; ".join(
            f"{t}/{p} [{lo}, {hi})"
            for t, parts in sorted(self.offsets.items())
            for p, (lo, hi) in sorted(parts.items())
        )
        return (
            f"batch {self.batch_id} failed at {self.at} with {self.error_class}: "
            f"{self.message[:500]} (Kafka offsets {ranges or 'unknown'})"
        )


def parse_offsets(text: str) -> tuple[Offsets, int | None]:
    """End offsets of every Kafka source in an ``offsets/N`` file, and the batch's plan time."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("v"):
        raise ValueError(f"not a Spark offset log file (first line {lines[:1]!r})")
    planned = None
    if len(lines) > 1 and lines[1].strip():
        planned = json.loads(lines[1]).get("batchTimestampMs")
    out: Offsets = {}
    for line in lines[2:]:
        line = line.strip()
        if not line or line == "-":
            continue
        value = json.loads(line)
        if not isinstance(value, dict):
            continue  # not a Kafka source
        for topic, parts in value.items():
            if isinstance(parts, dict):
                out.setdefault(topic, {}).update({str(p): int(o) for p, o in parts.items()})
    return out, planned


def batch_ids(names: Iterable[str]) -> set[int]:
    """Batch ids among a log directory's file names (skips ``.N.tmp``, ``.crc`` and others)."""
    return {int(n) for n in names if n.isdigit()}


def latest_committed(
    list_names: Callable[[str], Iterable[str]], read_text: Callable[[str], str]
) -> CommittedBatch | None:
    """The newest committed batch; ``list_names(dir)`` and ``read_text(relpath)`` do the I/O.

    None when nothing was committed yet (or the checkpoint does not exist).
    """
    committed = batch_ids(list_names("commits")) & batch_ids(list_names("offsets"))
    if not committed:
        return None
    newest = max(committed)
    offsets, planned = parse_offsets(read_text(f"offsets/{newest}"))
    return CommittedBatch(newest, offsets, planned)


def batch_ranges(
    list_names: Callable[[str], Iterable[str]], read_text: Callable[[str], str], batch_id: int
) -> dict[str, dict[str, list[int]]]:
    """Batch ``batch_id``'s Kafka ranges ``[from, to)``: previous batch's end to its own end."""
    names = batch_ids(list_names("offsets"))
    if batch_id not in names:
        return {}
    end, _ = parse_offsets(read_text(f"offsets/{batch_id}"))
    start: Offsets = {}
    if batch_id - 1 in names:
        start, _ = parse_offsets(read_text(f"offsets/{batch_id - 1}"))
    return {
        t: {p: [start.get(t, {}).get(p, -1), hi] for p, hi in parts.items()}
        for t, parts in end.items()
    }


def lag(ends: dict[str, int], processed: dict[str, int]) -> int:
    """Records in Kafka that bronze has not processed yet (per-partition end - processed)."""
    return sum(max(0, end - processed.get(p, 0)) for p, end in ends.items())


def local_io(root: str) -> tuple[Callable[[str], list[str]], Callable[[str], str]]:
    """``(list_names, read_text)`` over a checkpoint directory on this machine."""
    from pathlib import Path

    base = Path(root.removeprefix("file://"))

    def list_names(sub: str) -> list[str]:
        d = base / sub
        return [p.name for p in d.iterdir()] if d.is_dir() else []

    return list_names, lambda rel: (base / rel).read_text()
