"""The workload whose loaded classes go into the Spark JVMs' class-data-sharing archive.

Run once by ``setup`` through spark-submit (see ``local/cds.py``): a session with an Iceberg
catalog in a scratch directory, a JSON parse, a partitioned write, an insert-only MERGE and a
read back, i.e. the classes every local Spark job loads before it does anything. Imports only
pyspark: it runs inside spark-submit.
"""

import sys
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wikistream-cds-") as tmp:
        spark = (
            SparkSession.builder.appName("wikistream-cds-workload")
            .config("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
            .config("spark.sql.catalog.lake.type", "hadoop")
            .config("spark.sql.catalog.lake.warehouse", f"file://{tmp}/warehouse")
            .config(
                "spark.sql.extensions",
                "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
            )
            .getOrCreate()
        )
        raw = spark.createDataFrame(
            [(f'{{"meta": {{"id": "e{i}"}}, "timestamp": {1520438400 + i}}}',) for i in range(50)],
            "value string",
        )
        rows = (
            raw.select(F.from_json("value", "meta struct<id: string>, timestamp long").alias("e"))
            .select(
                F.col("e.meta.id").alias("event_id"),
                F.timestamp_seconds("e.timestamp").alias("event_time"),
            )
            .withColumn("event_date", F.to_date("event_time"))
            .withColumn("event_hour", F.hour("event_time"))
        )
        spark.sql(
            "CREATE TABLE lake.cds.t (event_id string, event_time timestamp, event_date date, "
            "event_hour int) USING iceberg PARTITIONED BY (event_date, event_hour)"
        )
        rows.writeTo("lake.cds.t").append()
        rows.cache().createOrReplaceTempView("src")
        spark.sql(
            "MERGE INTO lake.cds.t t USING src s ON t.event_id = s.event_id "
            "WHEN NOT MATCHED THEN INSERT *"
        )
        n = spark.table("lake.cds.t").groupBy("event_hour").count().collect()
        spark.stop()
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
