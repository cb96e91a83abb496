"""The Spark jobs: name -> entry script under ``wikistream_dagster/spark_jobs/``.

One registry for the CLI (``./wikistream spark <job>``), local spark-submit, the EMR request
builder, the AWS package and the EMR sizes (``deployment/spark_sizing.json`` has one entry per
job; a test keeps the two equal).
"""

from __future__ import annotations

JOBS: dict[str, str] = {
    "bronze": "bronze_stream.py",
    # silver -> checks -> gold in one application: what the medallion automation runs
    "medallion": "medallion_batch.py",
    # each stage alone (CLI, tests, manual repairs)
    "silver": "silver_batch.py",
    "quality": "quality_check.py",
    "gold": "gold_batch.py",
    "maintenance": "maintenance.py",
    "quarantine": "quarantine_job.py",
}
