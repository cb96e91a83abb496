"""The laptop stack: Kafka broker, Iceberg REST catalog, SSE replay server, jar fetching."""
