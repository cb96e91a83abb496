"""Import direction at the seams: the contracts need nothing, Dagster needs no Spark stack."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.aws_example import AWS_ENV

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "wikistream_dagster" / "contracts"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


# The producer's image ships producer_service alone, so what the producer shares with the
# platform lives there, standard library only, and the contracts import it from there.
SHARED = {"producer_service.event_limits": ROOT / "producer_service" / "event_limits.py"}


def test_contracts_import_only_the_standard_library():
    """Spark jobs, Dagster code, the CLI and the benchmarks all import them."""
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    files = sorted(CONTRACTS.rglob("*.py")) + list(SHARED.values())
    assert len(files) >= 7
    for path in files:
        for name in _imports(path):
            assert (
                name.split(".")[0] in stdlib
                or name.startswith("wikistream_dagster.contracts")
                or name in SHARED
            ), f"{path.name} imports {name}"


def _loaded_after(statement: str, env: dict[str, str] | None = None) -> set[str]:
    code = (
        "import sys\n"
        f"{statement}\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return set(out.stdout.strip().splitlines()[-1].split(","))


@pytest.mark.parametrize("env", [{}, AWS_ENV], ids=["local", "aws"])
def test_dagster_definitions_load_neither_pyspark_nor_pydeequ(env, tmp_path):
    """The Dagster code server (and its image) runs without the Spark stack, either deployment."""
    loaded = _loaded_after(
        "import wikistream_dagster.definitions",
        {"WIKISTREAM_STATE_DIR": str(tmp_path), **env},
    )
    assert "dagster" in loaded  # the import did happen
    assert not loaded & {"pyspark", "pydeequ", "py4j"}, sorted(loaded & {"pyspark", "pydeequ"})


def test_the_cli_loads_neither_pyspark_nor_pydeequ():
    loaded = _loaded_after("import wikistream_dagster.cli")
    assert not loaded & {"pyspark", "pydeequ", "py4j"}


def test_pyspark_aliases_mean_only_pyspark():
    """``F`` and ``T`` are pyspark.sql.functions and .types everywhere, never our modules."""
    conventional = {"F": "pyspark.sql.functions", "T": "pyspark.sql.types"}
    for path in sorted((ROOT / "wikistream_dagster").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    if a.asname in conventional:
                        assert f"{node.module}.{a.name}" == conventional[a.asname], (
                            f"{path.name}: {node.module}.{a.name} as {a.asname}"
                        )
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname in conventional:
                        assert a.name == conventional[a.asname], f"{path.name}: {a.name}"
