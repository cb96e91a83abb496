"""What feeds the lake and is not built by Dagster: the Wikimedia stream and the Kafka topics."""

from __future__ import annotations

import dagster as dg

from wikistream_dagster.config import DEFAULT_SSE_URL
from wikistream_dagster.defs.common import DLQ_TOPIC_KEY, OWNERS, RAW_TOPIC_KEY, WIKIMEDIA_KEY

# key -> (upstream, kind, description)
SOURCES = {
    WIKIMEDIA_KEY: (
        None,
        "http",
        "Wikimedia EventStreams recentchange (SSE): every edit, page creation and log action on "
        "all Wikimedia wikis, ~30 events/s. Locally replaced by the bundled recording when "
        "offline.",
    ),
    RAW_TOPIC_KEY: (
        WIKIMEDIA_KEY,
        "kafka",
        "Kafka topic `raw-events`: valid events keyed by meta.id, byte-for-byte as received, "
        "written by producer_service (acks=all, idempotent).",
    ),
    DLQ_TOPIC_KEY: (
        WIKIMEDIA_KEY,
        "kafka",
        "Kafka topic `dlq-events`: dead letters from the producer and bronze, each with a reason "
        "and the raw bytes.",
    ),
}
specs = [
    dg.AssetSpec(
        key,
        deps=[upstream] if upstream else [],
        group_name="sources",
        kinds={kind},
        owners=OWNERS,
        description=description,
        metadata={"url": dg.MetadataValue.url(DEFAULT_SSE_URL)} if key == WIKIMEDIA_KEY else None,
    )
    for key, (upstream, kind, description) in SOURCES.items()
]

defs = dg.Definitions(assets=specs)
