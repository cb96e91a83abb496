"""The workload whose loaded classes go into the Spark JVMs' class-data-sharing archive.

Run once by ``setup`` through spark-submit (see ``local/cds.py``): a session with an Iceberg
catalog in a scratch directory, a JSON parse, a partitioned write, an insert-only MERGE and a
read back, i.e. the classes every local Spark job loads before it does anything; then it loads
(without initialising them) the classes real jobs load besides, listed in the file its argument
names (``cds.CLASS_LIST``): the REST catalog client, the Kafka source, Deequ, more of Spark SQL.
Imports only pyspark: it runs inside spark-submit.
"""

import sys
import tempfile
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(argv: list[str]) -> int:
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
        for class_list in argv:
            load_listed(spark, Path(class_list))
        spark.stop()
    return 0 if n else 1


def load_listed(spark: SparkSession, class_list: Path) -> None:
    """Load every class named in ``class_list`` (one per line) that this class path has. A name
    gone from the jars is skipped: the archive only lacks it."""
    jvm = spark.sparkContext._jvm
    loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
    for name in class_list.read_text().split():
        try:
            jvm.java.lang.Class.forName(name, False, loader)
        except Exception:  # noqa: BLE001, S112 - py4j raises its own error for a missing class
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
