"""The environment is read in one place per program (README: "Every setting is read in one
place"): ``wikistream_dagster/config.py`` for the platform, ``producer_service/settings.py`` for
the producer. A read anywhere else is a setting nobody can find."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(r"os\.environ|os\.getenv|environ\.get|getenv\(|from os import .*environ")

ALLOWED = {
    "wikistream_dagster/config.py": "the platform's settings",
    "producer_service/settings.py": "the producer's settings",
    # The Spark jobs run on EMR Serverless without our Settings: the catalog of a job comes from
    # its arguments or, failing those, the WIKISTREAM_CATALOG_* variables the EMR request sets
    # (CatalogConfig.from_env documents each variable and takes a mapping in tests).
    "wikistream_dagster/spark_jobs/catalog_conf.py": "Spark jobs' catalog on EMR",
}


def test_the_environment_is_read_only_in_the_settings_modules():
    offenders = []
    for package in ("wikistream_dagster", "producer_service"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if READS.search(line):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, (
        "read the environment in config.py (or producer_service/settings.py) and pass the "
        "value in:\n" + "\n".join(offenders)
    )


def test_the_allowed_files_exist_and_read_it():
    for rel in ALLOWED:
        assert READS.search((ROOT / rel).read_text()), f"{rel} no longer reads the environment"
