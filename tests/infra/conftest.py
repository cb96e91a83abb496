"""Fixtures for the static checks of infra/: the Terraform parsed with python-hcl2, and checkov.

No AWS account, Terraform binary or AWS provider is needed: the configuration is read as data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import hcl2
import pytest

from tests.infra.infra_hcl import ENV_ROOT, INFRA, MODULES, Module, load_module, normalize

CHECKOV_VERSION = "3.3.30"


@pytest.fixture(scope="session")
def modules() -> dict[str, Module]:
    """Every module under infra/modules, by directory name."""
    return {path.name: load_module(path) for path in sorted(MODULES.iterdir()) if path.is_dir()}


@pytest.fixture(scope="session")
def root() -> Module:
    """The environment root that composes the modules."""
    return load_module(ENV_ROOT)


@pytest.fixture(scope="session")
def tfvars_example() -> dict:
    with (ENV_ROOT / "terraform.tfvars.example").open() as handle:
        return normalize(hcl2.load(handle))


def _cache_dir() -> Path:
    from wikistream_dagster.config import load_settings

    keep = ("WIKISTREAM_ROOT", "WIKISTREAM_STATE_DIR", "WIKISTREAM_CACHE_DIR")
    return load_settings({k: v for k, v in os.environ.items() if k in keep}).cache_dir


@pytest.fixture(scope="session")
def say(request):
    """Print progress past pytest's output capture (installing checkov takes a while)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def _say(message: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"\n[infra] {message}", flush=True)

    return _say


@pytest.fixture(scope="session")
def checkov(say) -> list[str]:
    """Command line of checkov, installed on first use into <cache>/tools/checkov-venv.

    checkov's pins clash with the project's (dagster etc.), hence its own virtualenv.
    """
    venv = _cache_dir() / "tools" / "checkov-venv"
    python = str(venv / "bin" / "python")
    stamp = venv / f".checkov-{CHECKOV_VERSION}"
    if not stamp.exists():
        started = time.monotonic()
        say(f"installing checkov {CHECKOV_VERSION} into {venv} (first run only, ~1 min)")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=True)
        stamp.touch()
        say(f"checkov installed in {time.monotonic() - started:.0f} s")
    return [python, str(venv / "bin" / "checkov")]


def run_checkov(checkov: list[str], directory: Path, say, label: str) -> dict:
    started = time.monotonic()
    args = ["-d", str(directory), "--framework", "terraform", "-o", "json", "--skip-download"]
    result = subprocess.run(
        [*checkov, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    assert result.stdout.strip(), f"checkov printed no report:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    summary = report["summary"]
    say(
        f"checkov ({label}): {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['skipped']} skipped in {time.monotonic() - started:.0f} s"
    )
    return report


@pytest.fixture(scope="session")
def checkov_report(checkov, say) -> dict:
    """`checkov -d infra --framework terraform` as JSON."""
    return run_checkov(checkov, INFRA, say, "infra/")


@pytest.fixture(scope="session")
def checkov_report_without_skips(checkov, say, tmp_path_factory) -> dict:
    """The same scan over a copy of infra/ with every #checkov:skip comment removed."""
    copy = tmp_path_factory.mktemp("checkov") / "infra"
    shutil.copytree(INFRA, copy, ignore=shutil.ignore_patterns(".terraform"))
    for tf in copy.rglob("*.tf"):
        lines = tf.read_text().splitlines(keepends=True)
        tf.write_text("".join(line for line in lines if "checkov:skip=" not in line))
    return run_checkov(checkov, copy, say, "infra/ without its skip comments")
