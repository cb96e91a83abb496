"""A thin wrapper over confluent-kafka's Producer (a C type): acks, retries, MSK IAM."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from producer_service.settings import ProducerSettings

log = logging.getLogger(__name__)

DeliveryCallback = Callable[[Any, Any], None]


def msk_iam_config(region: str) -> dict[str, Any]:
    """librdkafka settings for MSK with IAM auth: SASL/OAUTHBEARER over TLS."""
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

    def oauth_cb(_config: str) -> tuple[str, float]:
        token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
        return token, expiry_ms / 1000

    return {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "OAUTHBEARER",
        "oauth_cb": oauth_cb,
    }


def producer_config(settings: ProducerSettings) -> dict[str, Any]:
    """Durable by default: acks=all + idempotence; batching tuned for throughput."""
    conf: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "client.id": "wikistream-producer",
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 25,
        "batch.size": 1_000_000,
        "compression.type": "lz4",
        "queue.buffering.max.messages": 500_000,
        "queue.buffering.max.kbytes": 512 * 1024,
        "message.max.bytes": 2 * 1024 * 1024,
        "delivery.timeout.ms": 300_000,
    }
    if settings.security_protocol == "msk-iam":
        conf.update(msk_iam_config(settings.aws_region))
    conf.update(settings.kafka_config)
    return conf


class KafkaSink:
    """Produce with retry on a full local queue; delivery reports go to the given callback."""

    def __init__(self, conf: dict[str, Any], factory: Callable[[dict], Any] | None = None):
        if factory is None:
            from confluent_kafka import Producer as factory  # noqa: N813
        self._producer = factory(conf)
        self.buffer_full_retries = 0

    def produce(
        self, topic: str, key: bytes | None, value: bytes, on_delivery: DeliveryCallback
    ) -> None:
        while True:
            try:
                self._producer.produce(topic, value, key, on_delivery=on_delivery)
                break
            except BufferError:
                self.buffer_full_retries += 1
                self._producer.poll(0.05)
        self._producer.poll(0)

    def poll(self, timeout: float = 0) -> int:
        return self._producer.poll(timeout)

    def flush(self, timeout: float) -> int:
        """Wait up to ``timeout`` s for every in-flight message; return how many remain."""
        deadline = time.monotonic() + timeout
        remaining = len(self._producer)
        while remaining and time.monotonic() < deadline:
            remaining = self._producer.flush(min(1.0, max(0.0, deadline - time.monotonic())))
        return remaining

    def __len__(self) -> int:
        return len(self._producer)
