"""The Dagster image installs no Spark stack; the local setup installs it (the `spark` extra)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPARK_STACK = {"pyspark", "pydeequ", "dagster-pyspark"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def _installed_extras(text: str, what: str) -> set[str]:
    """The extras of ``pip install ... "<what>[a,b]"`` in a Dockerfile or shell script."""
    (extras,) = re.findall(re.escape(what) + r"\[([a-z,]+)\]", text)
    return set(extras.split(","))


def test_the_dagster_image_installs_no_spark_stack():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = _installed_extras((ROOT / "Dockerfile.dagster").read_text(), '".')
    installed = list(project["dependencies"])
    for extra in extras:
        installed += project["optional-dependencies"][extra]
    assert not _names(installed) & SPARK_STACK


def test_the_local_setup_installs_the_spark_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"pyspark", "pydeequ"} <= _names(project["optional-dependencies"]["spark"])
    assert "spark" in _installed_extras((ROOT / "wikistream").read_text(), '"$ROOT')
