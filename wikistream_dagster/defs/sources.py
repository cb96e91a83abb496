"""What feeds the lake and is not built by Dagster: the Wikimedia stream and the Kafka topics."""

from __future__ import annotations

import dagster as dg

from wikistream_dagster.defs.common import DLQ_TOPIC_KEY, OWNERS, RAW_TOPIC_KEY, WIKIMEDIA_KEY

specs = [
    dg.AssetSpec(
        WIKIMEDIA_KEY,
        group_name="sources",
        kinds={"http"},
        owners=OWNERS,
        description="Wikimedia EventStreams recentchange (SSE): every edit, page creation and "
        "log action on all Wikimedia wikis, ~30 events/s. Locally replaced by the bundled "
        "recording when offline.",
        metadata={
            "url": dg.MetadataValue.url("https://stream.wikimedia.org/v2/stream/recentchange")
        },
    ),
    dg.AssetSpec(
        RAW_TOPIC_KEY,
        deps=[WIKIMEDIA_KEY],
        group_name="sources",
        kinds={"kafka"},
        owners=OWNERS,
        description="Kafka topic `raw-events`: valid events keyed by meta.id, byte-for-byte as "
        "received, written by producer_service (acks=all, idempotent).",
    ),
    dg.AssetSpec(
        DLQ_TOPIC_KEY,
        deps=[WIKIMEDIA_KEY],
        group_name="sources",
        kinds={"kafka"},
        owners=OWNERS,
        description="Kafka topic `dlq-events`: dead letters from the producer and bronze, each "
        "with a reason and the raw bytes.",
    ),
]

defs = dg.Definitions(assets=specs)
