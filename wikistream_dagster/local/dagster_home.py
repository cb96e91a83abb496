"""``dagster dev`` for the local stack: DAGSTER_HOME in the state dir, bound to 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from wikistream_dagster.config import Settings, child_env


def prepare(settings: Settings) -> Path:
    """Create DAGSTER_HOME (<state>/dagster) with the project's dagster.yaml; return it."""
    home = settings.path("dagster")
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.root / "dagster.yaml", home / "dagster.yaml")
    return home


def dev_command(settings: Settings) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    return [
        str(dagster),
        "dev",
        "-w",
        str(settings.root / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(settings.dagster_port),
    ]


def dev_env(settings: Settings) -> dict[str, str]:
    """The environment of ``dagster dev``: the same settings this CLI runs with."""
    return child_env() | settings.to_env() | {"DAGSTER_HOME": str(prepare(settings))}
