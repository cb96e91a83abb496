"""Read Iceberg table state without Spark (pyiceberg), against either catalog, and Kafka offsets.

The bronze supervisor uses it to see progress (new snapshots and their summaries) and lag.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import dagster as dg

PREFIX = "wikistream."


class LakeReader(dg.ConfigurableResource):
    """pyiceberg's REST catalog: the local server, or S3 Tables' endpoint with SigV4."""

    kind: str = "rest"  # rest | s3tables
    uri: str = ""
    warehouse: str = ""
    region: str = ""

    def catalog(self):
        return _load_catalog(self.kind, self.uri, self.warehouse, self.region)

    def snapshots(self, table: str, after_id: int | None = None) -> list[dict[str, Any]]:
        """Snapshots of ``table``'s main branch newer than ``after_id`` (all if None), oldest
        first."""
        from pyiceberg.exceptions import NoSuchTableError

        try:
            tbl = self.catalog().load_table(table)
        except NoSuchTableError:
            return []
        by_id = {s.snapshot_id: s for s in tbl.metadata.snapshots}
        main, sid = set(), tbl.metadata.current_snapshot_id
        while sid in by_id and sid not in main:  # staged (write-audit-publish) ones are not
            main.add(sid)
            sid = by_id[sid].parent_snapshot_id
        snaps = sorted((by_id[i] for i in main), key=lambda s: (s.timestamp_ms, s.snapshot_id))
        out = [
            {
                "snapshot_id": s.snapshot_id,
                "timestamp_ms": s.timestamp_ms,
                "operation": s.summary.operation.value if s.summary else None,
                "summary": dict(s.summary.additional_properties) if s.summary else {},
            }
            for s in snaps
        ]
        if after_id is not None:
            ids = [s["snapshot_id"] for s in out]
            out = out[ids.index(after_id) + 1 :] if after_id in ids else out
        return out

    def current_property(self, table: str, key: str) -> str | None:
        """A ``wikistream.*`` property of the newest snapshot that has it."""
        for snap in reversed(self.snapshots(table)):
            if PREFIX + key in snap["summary"]:
                return snap["summary"][PREFIX + key]
        return None


@functools.lru_cache(maxsize=4)
def _load_catalog(kind: str, uri: str, warehouse: str, region: str):
    from pyiceberg.catalog.rest import RestCatalog

    props = {"uri": uri}
    if warehouse:
        props["warehouse"] = warehouse
    if kind == "s3tables":
        props |= {
            "uri": uri or f"https://s3tables.{region}.amazonaws.com/iceberg",
            "rest.sigv4-enabled": "true",
            "rest.signing-name": "s3tables",
            "rest.signing-region": region,
        }
    return RestCatalog("lake", **props)


class KafkaOffsets(dg.ConfigurableResource):
    """End offsets of the Kafka topics (local broker, or MSK with IAM auth)."""

    bootstrap_servers: str
    msk_iam_region: str = ""

    def end_offsets(self, topic: str) -> dict[str, int]:
        from confluent_kafka import Consumer, TopicPartition

        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "group.id": "wikistream-supervisor",
            "enable.auto.commit": False,
        }
        if self.msk_iam_region:
            from producer_service.kafka_sink import msk_iam_config

            conf |= msk_iam_config(self.msk_iam_region)
        c = Consumer(conf)
        try:
            meta = c.list_topics(topic, timeout=10).topics.get(topic)
            if meta is None or meta.error is not None:
                return {}
            return {
                str(p): c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in meta.partitions
            }
        finally:
            c.close()


class ProducerHealth(dg.ConfigurableResource):
    """The producer's /health (its counters and the last canary's time); empty url: unknown."""

    url: str = ""

    def health(self) -> dict | None:
        if not self.url:
            return None
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.url, timeout=2) as resp:
                return json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None
