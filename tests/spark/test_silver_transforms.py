"""Bronze rows -> silver rows, on small explicit DataFrames."""

from __future__ import annotations

from datetime import datetime

import pytest
from pyspark.sql import functions as F

from wikistream_dagster.spark_jobs.transforms.silver import SILVER_COLUMNS, clean, is_anonymous

pytestmark = pytest.mark.slow

T0 = datetime(2018, 3, 7, 16, 59, 59)

# The bronze columns silver reads: (name, Spark type, the value a row has unless a test says
# otherwise). One table for the DataFrame schema and the rows.
COLUMNS = (
    ("event_id", "string", None),
    ("event_time", "timestamp", T0),
    ("meta_dt", "timestamp", T0),
    ("schema_uri", "string", "mediawiki/recentchange/1"),
    ("stream", "string", "eqiad.mediawiki.recentchange"),
    ("domain", "string", "www.wikidata.org"),
    ("server_name", "string", "www.wikidata.org"),
    ("wiki", "string", "wikidatawiki"),
    ("type", "string", "edit"),
    ("namespace", "int", 0),
    ("title", "string", "Q42"),
    ("user", "string", "Alice"),
    ("bot", "boolean", False),
    ("minor", "boolean", False),
    ("patrolled", "boolean", None),
    ("rc_id", "long", 1),
    ("revision_old", "long", 10),
    ("revision_new", "long", 11),
    ("length_old", "long", 100),
    ("length_new", "long", 150),
    ("comment", "string", "c"),
    ("log_id", "long", None),
    ("log_type", "string", None),
    ("log_action", "string", None),
    ("log_params", "string", None),
    ("log_action_comment", "string", None),
    ("ingest_time", "timestamp", datetime(2024, 1, 1)),
    ("kafka_offset", "long", 0),
)
BRONZE = ", ".join(f"{name} {kind}" for name, kind, _ in COLUMNS)


def bronze_row(event_id, **kw):
    return {name: value for name, _, value in COLUMNS} | {"event_id": event_id} | kw


def test_is_anonymous_recognises_ip_and_temporary_accounts(spark):
    users = {
        "127.0.0.1": True,
        "192.168.10.255": True,
        "2001:DB8:0:0:8:800:200C:417A": True,
        "2a02:8108::1": True,
        "~2025-12345-67": True,
        "Alice": False,
        "1.2.3.999": False,
        "Bob 2": False,
        "": False,
        None: False,
    }
    df = spark.createDataFrame([(u,) for u in users], "user string")
    got = {
        r["user"]: r["anon"]
        for r in df.select("user", is_anonymous(F.col("user")).alias("anon")).collect()
    }
    assert got == users


def test_clean_normalises_and_derives(spark):
    rows = [
        bronze_row("e1"),
        bronze_row(
            "e2",
            type="NEW ",
            length_old=None,
            length_new=80,
            revision_old=None,
            user="10.0.0.1",
            bot=None,
            minor=True,
            patrolled=True,
            schema_uri="/mediawiki/recentchange/1.0.0",
            stream="mediawiki.recentchange",
        ),
        bronze_row(
            "e3",
            type="log",
            length_old=None,
            length_new=None,
            log_type="delete",
            log_action="delete",
            log_params='{"a":1}',
            title="  ",
            user="  Admin ",
        ),
        bronze_row("e1", ingest_time=datetime(2025, 1, 1), comment="later copy"),
        bronze_row("canary", domain="canary"),
        bronze_row(None),
        bronze_row("e4", event_time=None),
    ]
    out = {r["event_id"]: r for r in clean(spark.createDataFrame(rows, BRONZE)).collect()}
    assert set(out) == {"e1", "e2", "e3"}
    assert tuple(clean(spark.createDataFrame(rows, BRONZE)).columns) == SILVER_COLUMNS
    e1, e2, e3 = out["e1"], out["e2"], out["e3"]
    assert e1["comment"] == "c"  # the first ingested copy wins
    assert (e1["event_date"].isoformat(), e1["event_hour"]) == ("2018-03-07", 16)
    assert e1["byte_delta"] == 50 and e1["envelope"] == "legacy"
    assert e1["stream"] == "mediawiki.recentchange"  # datacenter prefix dropped
    assert e1["is_anonymous"] is False and e1["is_bot"] is False and e1["is_patrolled"] is None
    assert e2["type"] == "new" and e2["byte_delta"] == 80 and e2["envelope"] == "current"
    assert e2["is_anonymous"] is True and e2["is_bot"] is False and e2["is_minor"] is True
    assert e3["byte_delta"] is None and e3["title"] is None and e3["user"] == "Admin"
    assert e3["log_params"] == '{"a":1}' and e3["domain"] == "www.wikidata.org"
