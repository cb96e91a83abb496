"""WikiStream: Wikimedia recentchange events -> Kafka -> Iceberg medallion tables, run by Dagster."""
