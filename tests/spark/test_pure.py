"""Pure logic of the Spark side: hours, catalog configuration, the spark-submit command."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from wikistream_dagster.config import load_settings
from wikistream_dagster.local import spark_submit
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig, spark_conf

ROOT = Path(__file__).resolve().parents[2]
SPARK_JOBS = ROOT / "wikistream_dagster" / "spark_jobs"


def test_hours_parse_format_and_predicate():
    hours = H.parse_hours(["2018-03-07T16,2018-03-07T17", "2018-03-08 00", "2018-03-07T16"])
    assert hours == [(date(2018, 3, 7), 16), (date(2018, 3, 7), 17), (date(2018, 3, 8), 0)]
    assert [H.format_hour(h) for h in hours] == ["2018-03-07T16", "2018-03-07T17", "2018-03-08T00"]
    assert H.predicate(hours, "t") == (
        "((t.event_date = DATE'2018-03-07' AND t.event_hour IN (16, 17)) OR "
        "(t.event_date = DATE'2018-03-08' AND t.event_hour IN (0)))"
    )
    assert H.shift((date(2018, 3, 8), 0), -1) == (date(2018, 3, 7), 23)
    assert H.predicate([]) == "false"
    with pytest.raises(ValueError, match="2018-03-07T16"):
        H.parse_hour("yesterday")
    with pytest.raises(ValueError, match="00-23"):
        H.parse_hour("2018-03-07T24")


def test_local_catalog_conf_disables_the_catalog_cache():
    conf = spark_conf(CatalogConfig(uri="http://127.0.0.1:8181", warehouse="file:///w"))
    assert conf["spark.sql.catalog.lake"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.lake.type"] == "rest"
    assert conf["spark.sql.catalog.lake.uri"] == "http://127.0.0.1:8181"
    assert conf["spark.sql.catalog.lake.cache-enabled"] == "false"
    assert "IcebergSparkSessionExtensions" in conf["spark.sql.extensions"]


def test_s3tables_conf_signs_requests_for_s3tables():
    arn = "arn:aws:s3tables:eu-west-1:123456789012:bucket/wikistream"
    conf = spark_conf(CatalogConfig(kind="s3tables", warehouse=arn, region="eu-west-1"))
    p = "spark.sql.catalog.lake"
    assert conf[f"{p}.uri"] == "https://s3tables.eu-west-1.amazonaws.com/iceberg"
    assert conf[f"{p}.warehouse"] == arn
    assert conf[f"{p}.rest.sigv4-enabled"] == "true"
    assert conf[f"{p}.rest.signing-name"] == "s3tables"
    assert conf[f"{p}.rest.signing-region"] == "eu-west-1"
    assert conf[f"{p}.io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"


def test_catalog_config_errors_say_what_to_set():
    with pytest.raises(ValueError, match="WIKISTREAM_CATALOG_URI"):
        spark_conf(CatalogConfig())
    with pytest.raises(ValueError, match="table bucket ARN"):
        spark_conf(CatalogConfig(kind="s3tables", warehouse="s3://bucket", region="x"))
    cfg = CatalogConfig.from_env({"WIKISTREAM_CATALOG_URI": "http://env"}, uri=None)
    assert cfg.uri == "http://env" and cfg.kind == "rest"
    assert (
        CatalogConfig.from_env({"WIKISTREAM_CATALOG_URI": "http://env"}, uri="http://arg").uri
        == "http://arg"
    )


def test_spark_submit_command_for_bronze(tmp_path):
    settings = load_settings(
        {
            "WIKISTREAM_STATE_DIR": str(tmp_path),
            "WIKISTREAM_CATALOG_PORT": "18999",
            "WIKISTREAM_KAFKA_PORT": "19092",
        }
    )
    jars = [Path("/j/a.jar"), Path("/j/b.jar")]
    cmd = spark_submit.spark_submit_command(settings, "bronze", ["--available-now"], jars)
    assert cmd[0].endswith("pyspark/bin/spark-submit")
    assert cmd[cmd.index("--master") + 1] == "local[2]"
    assert cmd[cmd.index("--driver-memory") + 1] == "1g"
    assert cmd[cmd.index("--driver-class-path") + 1] == "/j/a.jar:/j/b.jar"
    confs = dict(cmd[i + 1].split("=", 1) for i, a in enumerate(cmd) if a == "--conf")
    assert confs["spark.sql.catalog.lake.uri"] == "http://127.0.0.1:18999"
    assert confs["spark.sql.catalog.lake.warehouse"] == (tmp_path / "warehouse").as_uri()
    assert confs["spark.driver.bindAddress"] == "127.0.0.1"
    script = cmd.index(str(SPARK_JOBS / "bronze_stream.py"))
    assert cmd[script + 1 :] == [
        "--bootstrap-servers",
        "127.0.0.1:19092",
        "--checkpoint",
        str(tmp_path / "checkpoints" / "bronze"),
        "--available-now",
    ]
    env = spark_submit.spark_submit_env(settings, {"SPARK_HOME": "/opt/spark"})
    assert env["SPARK_VERSION"] == "3.5" and env["TZ"] == "UTC" and "SPARK_HOME" not in env
    with pytest.raises(ValueError, match="unknown Spark job"):
        spark_submit.spark_submit_command(settings, "platinum", [], jars)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_spark_jobs_never_import_dagster():
    """The job files ship to EMR unchanged: pyspark, pydeequ, dagster-pipes and stdlib only."""
    files = sorted(SPARK_JOBS.rglob("*.py"))
    assert len(files) > 10
    # producer_service.event_limits: the event limits shared with the producer (stdlib only)
    allowed = {"pyspark", "pydeequ", "dagster_pipes", "wikistream_dagster", "producer_service"}
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            assert top != "dagster", f"{path} imports {name}"
            assert top in allowed | stdlib, f"{path} imports {name}"
            if top == "wikistream_dagster":  # its own modules and the contracts (stdlib only)
                assert name.startswith(
                    ("wikistream_dagster.spark_jobs", "wikistream_dagster.contracts")
                ), f"{path}: {name}"
            if top == "producer_service":
                assert name == "producer_service.event_limits", f"{path}: {name}"
    # and at run time, importing every entry point pulls in no dagster module
    code = (
        "import sys\n"
        "import wikistream_dagster.spark_jobs.bronze_stream, wikistream_dagster.spark_jobs"
        ".silver_batch, wikistream_dagster.spark_jobs.quality_check, wikistream_dagster"
        ".spark_jobs.gold_batch, wikistream_dagster.spark_jobs.maintenance, "
        "wikistream_dagster.spark_jobs.quarantine_job\n"
        "bad = [m for m in sys.modules if m == 'dagster' or m.startswith('dagster.')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=ROOT,
        env={"SPARK_VERSION": "3.5", "PATH": "/usr/bin:/bin"},
    )


def test_query_finds_tables_and_formats_rows():
    from wikistream_dagster.query import format_table, referenced_tables

    sql = (
        "SELECT s.wiki FROM gold.hourly_edit_stats s JOIN silver.wiki_events_cleaned c "
        "ON true WHERE s.wiki = 'x.y' -- gold.hourly_edit_stats again"
    )
    assert referenced_tables(sql) == ["gold.hourly_edit_stats", "silver.wiki_events_cleaned"]
    text = format_table(["wiki", "events"], [("wikidatawiki", 3818), (None, 1)])
    assert text.splitlines() == [
        "wiki         | events",
        "-------------+-------",
        "wikidatawiki | 3818  ",
        "NULL         | 1     ",
        "(2 rows)",
    ]
