"""Bronze's own small files beside Spark's in the checkpoint, through Hadoop's FileSystem.

The driver writes them, so the same code works on a local path and on S3 (EMR). Two files:
the Kafka spans of batches that committed no snapshot (only DLQ or canary records), carried
into the next snapshot's summary so reconciliation sees them consumed; and the last failed
batch's record, which the supervisor puts into its restart-loop alert.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import checkpoint as ckpt

log = logging.getLogger(__name__)

PENDING_FILE = "wikistream/pending-spans.json"


class Ledger:
    """Reads and writes ``<checkpoint>/wikistream/*`` (no-op without a checkpoint)."""

    def __init__(self, spark: SparkSession, checkpoint: str):
        self.spark, self.root = spark, checkpoint.rstrip("/")
        # The one writer of the checkpoint keeps its pending spans in memory once read, so a
        # batch costs no file reads, and no delete when nothing was pending.
        self._pending: dict[str, Any] | None = None

    def _path(self, rel: str) -> tuple[Any, Any]:
        jvm = self.spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(f"{self.root}/{rel}")
        return path.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration()), path

    def read(self, rel: str) -> str:
        fs, path = self._path(rel)
        if not fs.exists(path):
            raise FileNotFoundError(f"{self.root}/{rel}")
        jvm = self.spark.sparkContext._jvm
        stream = fs.open(path)
        try:
            return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()

    def write(self, rel: str, text: str) -> None:
        fs, path = self._path(rel)
        out = fs.create(path, True)
        try:
            out.write(bytearray(text.encode()))
        finally:
            out.close()

    def list_names(self, sub: str) -> list[str]:
        fs, path = self._path(sub)
        if not fs.exists(path):
            return []
        return [s.getPath().getName() for s in fs.listStatus(path)]

    def pending(self) -> dict[str, Any]:
        """``{"spans": Spans, "batches": {batch id: [records, dlq, canary]}}`` not yet carried
        by a snapshot (per batch id, so a replayed batch is not counted twice)."""
        if self._pending is None:
            self._pending = {"spans": {}, "batches": {}}
            if self.root:
                try:
                    self._pending |= json.loads(self.read(PENDING_FILE))
                except FileNotFoundError:
                    pass
        return json.loads(json.dumps(self._pending))  # a copy: callers may change it

    def add_pending(self, batch_id: int, facts: dict[str, Any]) -> dict[str, Any]:
        """Remember a batch that committed no snapshot (its spans and counts)."""
        pending = self.pending()
        pending["spans"] = ckpt.add_spans(pending["spans"], facts["kafka_offsets"])
        pending["batches"][str(batch_id)] = [facts["records"], facts["dlq"], facts["canary"]]
        if self.root:
            self.write(PENDING_FILE, json.dumps(pending, sort_keys=True))
        self._pending = pending
        return pending

    @staticmethod
    def earlier(pending: dict[str, Any]) -> S.EarlierBatches | None:
        """What the next snapshot's summary carries for the batches without one."""
        if not pending["batches"]:
            return None
        records, dlq, canary = (sum(c[i] for c in pending["batches"].values()) for i in range(3))
        return S.EarlierBatches(pending["spans"], records, dlq, canary)

    def clear_pending(self) -> None:
        if self.root and (self._pending is None or self._pending["batches"]):
            fs, path = self._path(PENDING_FILE)
            fs.delete(path, False)
        self._pending = {"spans": {}, "batches": {}}

    def record_failure(self, batch_id: int, exc: BaseException) -> None:
        """Best effort: a failure to write the record must not hide the batch's own error."""
        if not self.root:
            return
        try:
            ranges = ckpt.batch_ranges(self.list_names, self.read, batch_id)
            java = getattr(exc, "java_exception", None) or getattr(exc, "_origin", None)
            failure = ckpt.BatchFailure(
                batch_id=batch_id,
                offsets=ranges,
                error_class=java.getClass().getName() if java is not None else type(exc).__name__,
                message=(java.getMessage() if java is not None else str(exc)) or str(exc),
                at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self.write(ckpt.FAILURE_FILE, failure.to_json())
            log.error("bronze batch failed %s", failure.to_json())
        except Exception:  # noqa: BLE001
            log.exception("could not write the failure record of batch %s", batch_id)
