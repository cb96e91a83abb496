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

from wikistream_dagster.contracts import snapshot as S

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


Spans = dict[str, dict[str, list[list[int]]]]  # topic -> partition -> sorted [from, to) spans


def add_spans(acc: Spans, offsets: dict[str, dict[str, list[int]]]) -> Spans:
    """``acc`` plus one batch's ``[from, to)`` ranges; touching or overlapping spans merge."""
    out: Spans = {
        t: {p: [list(s) for s in ss] for p, ss in parts.items()} for t, parts in acc.items()
    }
    for topic, parts in offsets.items():
        for part, (lo, hi) in parts.items():
            spans = sorted(out.setdefault(topic, {}).get(part, []) + [[int(lo), int(hi)]])
            merged: list[list[int]] = []
            for s in spans:
                if merged and s[0] <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], s[1])
                else:
                    merged.append(s)
            out[topic][part] = merged
    return out


def writer_conflict(
    latest: dict[str, str] | None,
    checkpoint: str,
    query_id: str | None,
    batch_id: int,
    last_committed: int | None,
) -> str | None:
    """Why this bronze writer must not commit ``batch_id``, or None if it may.

    ``latest`` is the summary of the table's newest bronze batch snapshot. Only a snapshot of
    the same stream (same checkpoint and, when both are known, the same Spark query id: a
    deleted and recreated checkpoint is a new query) can conflict: either this writer
    committed before and the table's newest batch is not its own, or it has not committed
    yet and the table is already past ``batch_id`` (a replay of ``batch_id`` itself, after a
    crash between the commit and Spark's commit log, is fine: the MERGE skips its rows).
    """
    if not latest or latest.get(S.CHECKPOINT) != checkpoint:
        return None
    theirs = latest.get(S.QUERY_ID)
    if not (theirs and query_id) or theirs != query_id:
        return None
    table_batch = int(latest.get(S.BATCH_ID, -1))
    if last_committed is not None and table_batch != last_committed:
        why = f"batch {table_batch} was committed after this writer's batch {last_committed}"
    elif last_committed is None and table_batch > batch_id:
        why = f"the table already has batch {table_batch}, past this writer's batch {batch_id}"
    else:
        return None
    return (
        f"another bronze writer on checkpoint {checkpoint} got there first: {why}. Two jobs "
        "run on one checkpoint; this one stops without committing. Fix: keep one bronze job "
        "(locally the supervisor's lease: ./wikistream spark bronze refuses while it runs; on "
        "EMR one STREAMING run), then restart bronze."
    )
