"""The first hour partition is one setting: bronze's job arguments carry it from Settings."""

from __future__ import annotations

from datetime import date

import pytest

from wikistream_dagster.config import SettingsError, load_settings
from wikistream_dagster.definitions import build_definitions


def test_bronze_job_gets_the_partition_start_from_settings(tmp_path):
    default = load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path)})
    assert default.partition_start == date(2018, 3, 7)
    settings = load_settings(
        {"WIKISTREAM_STATE_DIR": str(tmp_path), "WIKISTREAM_PARTITION_START": "2020-01-02"}
    )
    args = build_definitions(settings).resources["streaming"]._job_args()
    assert args[args.index("--partition-start") + 1] == "2020-01-02"


def test_a_malformed_partition_start_names_the_setting():
    with pytest.raises(SettingsError, match="WIKISTREAM_PARTITION_START='March'"):
        load_settings({"WIKISTREAM_PARTITION_START": "March"})
