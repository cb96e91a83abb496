"""Read Iceberg table state without Spark (pyiceberg), against either catalog, and Kafka offsets.

The bronze supervisor uses it to see progress (new snapshots and their summaries) and lag.
Reads are incremental: a caller passes the last snapshot it saw, the table is loaded with the
REST ``snapshots=refs`` mode (only the branch heads, when the server honours it) and the full
snapshot list only when more than one snapshot is new; either way only the snapshots newer than
the cursor are turned into dicts, so the work per tick follows what is new, not the table's age.
"""

from __future__ import annotations

import collections
import functools
import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
import orjson

# Work done by reads in this process (tests assert that a tick's work stays flat).
STATS: collections.Counter[str] = collections.Counter()


def _snapshot(raw: dict[str, Any]) -> dict[str, Any]:
    summary = dict(raw.get("summary") or {})
    operation = summary.pop("operation", None)
    return {
        "snapshot_id": raw["snapshot-id"],
        "parent_id": raw.get("parent-snapshot-id"),
        "timestamp_ms": raw["timestamp-ms"],
        "operation": operation,
        "summary": summary,
    }


def _current_id(metadata: dict[str, Any]) -> int | None:
    main = (metadata.get("refs") or {}).get("main")
    current = main["snapshot-id"] if main else metadata.get("current-snapshot-id")
    return None if current in (None, -1) else current


def ancestors(metadata: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``main``'s snapshots newest first (raw JSON dicts), from a table metadata document.

    Snapshots are listed in commit order and a parent always precedes its child, so one
    backward pass finds the chain; staged or abandoned snapshots (not on ``main``) are skipped.
    """
    want = _current_id(metadata)
    for raw in reversed(metadata.get("snapshots") or []):
        if want is None:
            return
        STATS["snapshots_examined"] += 1
        if raw["snapshot-id"] == want:
            yield raw
            want = raw.get("parent-snapshot-id")


def since(metadata: dict[str, Any], after_id: int | None) -> tuple[list[dict[str, Any]], bool]:
    """(``main``'s snapshots after ``after_id``, oldest first; whether ``after_id`` was reached).

    Not reached: ``after_id`` is not in this document (expired, unknown, or a ``refs`` load
    that holds only the head); then every snapshot of the chain it holds is returned.
    """
    out = []
    for raw in ancestors(metadata):
        if raw["snapshot-id"] == after_id:
            return [_snapshot(r) for r in reversed(out)], True
        out.append(raw)
    return [_snapshot(r) for r in reversed(out)], after_id is None


class LakeReader(dg.ConfigurableResource):
    """pyiceberg's REST catalog: the local server, or S3 Tables' endpoint with SigV4."""

    kind: str = "rest"  # rest | s3tables
    uri: str = ""
    warehouse: str = ""
    region: str = ""

    def catalog(self):
        return _load_catalog(self.kind, self.uri, self.warehouse, self.region)

    def metadata(self, table: str, mode: str = "all") -> dict[str, Any] | None:
        """The table's metadata document from the catalog (``mode``: ``all`` or ``refs``, the
        REST load modes), parsed as plain JSON; None if the table does not exist."""
        from pyiceberg.catalog.rest import Endpoints

        cat = self.catalog()
        url = cat.url(Endpoints.load_table, prefixed=True, **cat._split_identifier_for_path(table))
        resp = cat._session.get(url, params={"snapshots": mode})
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise RuntimeError(
                f"loading {table} from the catalog failed: HTTP {resp.status_code} "
                f"{resp.text[:300]}; check that the catalog at {cat.uri} is up"
            )
        STATS[f"loads_{mode}"] += 1
        return orjson.loads(resp.content)["metadata"]

    def snapshots(self, table: str, after_id: int | None = None) -> list[dict[str, Any]]:
        """``main``'s snapshots of ``table`` newer than ``after_id`` (all if None or not
        found), oldest first: ``snapshot_id``, ``parent_id``, ``timestamp_ms``, ``operation``,
        ``summary`` (without ``operation``). With ``after_id`` the work follows the new ones."""
        return self.snapshots_since(table, after_id)[0]

    def snapshots_since(
        self, table: str, after_id: int | None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Like :meth:`snapshots`, and whether ``after_id`` was found (False: it expired or
        the table was recreated, and the list holds every snapshot of ``main``)."""
        if after_id is not None:
            head = self.metadata(table, "refs")
            if head is None:
                return [], False
            new, reached = since(head, after_id)
            if reached:
                return new, True
        full = self.metadata(table, "all")
        return ([], after_id is None) if full is None else since(full, after_id)

    def current_snapshot(self, table: str) -> dict[str, Any] | None:
        """The current snapshot of ``main`` (one ``refs`` load), or None."""
        head = self.metadata(table, "refs")
        raw = next(ancestors(head), None) if head else None
        return None if raw is None else _snapshot(raw)

    def current_property(self, table: str, key: str) -> str | None:
        """A summary property (``contracts/snapshot.py``: ``wikistream.*``) of the newest
        snapshot on ``main`` that has it."""
        for mode in ("refs", "all"):
            metadata = self.metadata(table, mode)
            if metadata is None:
                return None
            for raw in ancestors(metadata):
                value = (raw.get("summary") or {}).get(key)
                if value is not None:
                    return value
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
