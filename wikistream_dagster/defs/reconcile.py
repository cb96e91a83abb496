"""Exactly-once made visible: bronze's Kafka offsets and record counts, from its snapshots."""

from __future__ import annotations

import json

P = "wikistream."


def reconcile(snapshots: list[dict]) -> dict:
    """Offset gaps per partition and the fate of every consumed record, over ``snapshots``.

    Each bronze snapshot records the offset span ``[lo, hi)`` it consumed per partition, plus
    (``earlier-kafka-offsets``, ``earlier-records``...) the spans and counts of the batches
    since the previous snapshot that committed none because they held only DLQ or canary
    records. Spans of consecutive batches
    must touch (a gap is a lost record); overlaps are batches replayed after a restart, which
    the MERGE makes harmless.
    """
    spans: dict[str, list[tuple[int, int]]] = {}
    records = dlq = canary = added = 0
    for snap in snapshots:
        s = snap["summary"]
        if P + "kafka-offsets" not in s:
            continue
        records += int(s.get(P + "records", 0)) + int(s.get(P + "earlier-records", 0))
        dlq += int(s.get(P + "dlq-records", 0)) + int(s.get(P + "earlier-dlq-records", 0))
        canary += int(s.get(P + "canary-records", 0)) + int(s.get(P + "earlier-canary-records", 0))
        added += int(s.get("added-records", 0))
        for topic, parts in json.loads(s[P + "kafka-offsets"]).items():
            for part, (lo, hi) in parts.items():
                spans.setdefault(f"{topic}/{part}", []).append((int(lo), int(hi)))
        for topic, parts in json.loads(s.get(P + "earlier-kafka-offsets", "{}")).items():
            for part, items in parts.items():
                key = f"{topic}/{part}"
                spans.setdefault(key, []).extend((int(lo), int(hi)) for lo, hi in items)
    gaps, consumed = {}, 0
    for key, items in spans.items():
        items.sort()
        covered_to = items[0][0]
        missing = 0
        for lo, hi in items:
            missing += max(0, lo - covered_to)
            consumed += max(0, hi - max(lo, covered_to))
            covered_to = max(covered_to, hi)
        if missing:
            gaps[key] = missing
    return {
        "offsets_consumed": consumed,
        "offset_gaps": gaps,
        "records_read": records,
        "rows_inserted": added,
        "dead_lettered": dlq,
        "canary": canary,
        "already_present_or_duplicate": records - added - dlq - canary,
        "dlq_rate": dlq / records if records else 0.0,
    }
