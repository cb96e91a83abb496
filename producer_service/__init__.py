"""Wikimedia EventStreams (SSE) -> validate and key -> Kafka (raw-events | dlq-events)."""

__version__ = "0.1.0"
