"""Table definitions as data: the DDL they generate is the DDL the jobs ran before (captured in
ddl_before.json from the hand-written strings), and Dagster's column lists carry descriptions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wikistream_dagster.contracts.tables import ALL_TABLES, TABLES
from wikistream_dagster.defs.schemas import column_schema, table_metadata

BEFORE = json.loads((Path(__file__).parent / "ddl_before.json").read_text())


def _normal(sql: str) -> str:
    """Whitespace is not meaning in Spark SQL: one space, none inside parentheses."""
    return re.sub(r"\s+", " ", sql).replace("( ", "(").replace(" )", ")").strip()


class RecordingSpark:
    """Records the statements ``ensure_like`` runs (no table exists, no property is set)."""

    def __init__(self):
        self.statements = []

    def sql(self, statement):
        self.statements.append(statement)
        return self

    def collect(self):
        return []


@pytest.mark.parametrize("name", ALL_TABLES)
def test_generated_ddl_is_the_ddl_before(name):
    from wikistream_dagster.spark_jobs.tables import ensure_like  # pyspark only for its import

    spark = RecordingSpark()
    ensure_like(spark, name, name)
    assert [_normal(s) for s in spark.statements] == [_normal(s) for s in BEFORE[name]["sql"]]


def test_a_table_like_bronze_gets_bronze_ddl():
    from wikistream_dagster.spark_jobs.tables import ensure_like

    spark = RecordingSpark()
    ensure_like(spark, "bronze.other_events", "bronze.wiki_events")
    before = BEFORE["bronze.other_events (like bronze)"]["sql"]
    assert [_normal(s) for s in spark.statements] == [_normal(s) for s in before]


def test_every_table_is_covered_and_in_the_same_order():
    assert list(ALL_TABLES) == [k for k in BEFORE if "(" not in k]


@pytest.mark.parametrize("name", ALL_TABLES)
def test_dagster_columns_match_and_are_described(name):
    schema = column_schema(name)
    assert [[c.name, c.type] for c in schema.columns] == BEFORE[name]["dagster_columns"]
    for c in schema.columns:
        assert c.description and len(c.description) >= 10, f"{name}.{c.name}: no description"
    assert table_metadata(name)["partitioned_by"] == BEFORE[name]["partitioned_by"]


def test_column_names_are_unique_per_table():
    for t in TABLES.values():
        assert len(set(t.column_names)) == len(t.columns), t.name


def test_every_table_asset_shows_described_columns(tmp_path):
    """Item 6: the UI's column list of every table asset has a description per column."""
    from wikistream_dagster.config import load_settings
    from wikistream_dagster.definitions import build_definitions

    defs = build_definitions(load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path)}))
    shown = {}
    for asset in defs.assets or []:
        for spec in getattr(asset, "specs", None) or [asset]:  # AssetsDefinition or AssetSpec
            schema = (spec.metadata or {}).get("dagster/column_schema")
            if schema is not None:
                shown[".".join(spec.key.path)] = schema
    assert set(shown) == set(ALL_TABLES) - {"silver.quarantine"}, sorted(shown)
    for name, schema in shown.items():
        assert all(c.description for c in schema.columns), name


def test_the_name_constants_name_their_tables():
    """The constants are unpacked in tables.toml's order: reordering it must not swap them."""
    from wikistream_dagster.contracts import tables as C

    shown = {n: getattr(C, n) for n in dir(C) if n.endswith("_TABLE")}
    assert shown == {
        "BRONZE_TABLE": "bronze.wiki_events",
        "SILVER_TABLE": "silver.wiki_events_cleaned",
        "QUALITY_HISTORY_TABLE": "silver.quality_history",
        "QUARANTINE_TABLE": "silver.quarantine",
        "HOURLY_STATS_TABLE": "gold.hourly_edit_stats",
        "ENTITY_TRENDS_TABLE": "gold.entity_trends",
        "ENTITY_HOURLY_TABLE": "gold.entity_hourly",
        "RISK_SCORES_TABLE": "gold.risk_scores",
        "EDITOR_RISK_TABLE": "gold.editor_risk",
        "PAGE_STATE_TABLE": "silver.page_state",
        "HIDDEN_REVISIONS_TABLE": "silver.hidden_revisions",
        "REDACTIONS_TABLE": "silver.redactions",
    }


def test_a_reference_to_a_missing_shared_column_names_the_table():
    from wikistream_dagster.contracts.schema import load_tables

    text = '[[table]]\nname = "x.y"\ndescription = "d"\ncolumns = ["@nope"]\n'
    with pytest.raises(ValueError, match=r"table 'x.y': no shared entry 'nope'"):
        load_tables(text)


def test_tables_toml_ships_with_the_package():
    """The Dagster image pip-installs the project (package-data); EMR gets the source tree."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["*"]
    assert any(fnmatch.fnmatch("tables.toml", p) for p in patterns), patterns
