"""WikiStream: Wikimedia recentchange events -> Kafka -> Iceberg tables, run by Dagster."""
