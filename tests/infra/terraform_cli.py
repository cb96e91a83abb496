"""The real Terraform toolchain for tests: the binary, the AWS provider as a local plugin
directory (no registry access), and a scratch copy of infra/ so no .terraform lands in the repo.

The plugin directory is the folder holding ``registry.terraform.io/hashicorp/aws/<version>``:
``WIKISTREAM_TF_PLUGIN_DIR`` if set, else the first of ``PLUGIN_ROOTS`` that has the provider.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.infra.infra_hcl import INFRA, REPO

PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"
PLUGIN_ROOTS = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
# infra/ needs >= 5.100, < 7.0 (versions.tf); the copy must bring what infra/ reads from the code.
MIN_PROVIDER, MAX_MAJOR = (5, 100), 7
SHARED_WITH_CODE = Path("wikistream_dagster") / "deployment"


def _version(name: str) -> tuple[int, ...] | None:
    return tuple(int(p) for p in name.split(".")) if re.fullmatch(r"\d+\.\d+\.\d+", name) else None


def _usable(root: Path) -> bool:
    versions = [_version(p.name) for p in (root / PROVIDER).glob("*")]
    return any(v and v[:2] >= MIN_PROVIDER and v[0] < MAX_MAJOR for v in versions)


def plugin_dir() -> Path | None:
    """The local plugin directory with a usable AWS provider, or None."""
    configured = os.environ.get("WIKISTREAM_TF_PLUGIN_DIR")
    candidates = [Path(configured)] if configured else list(PLUGIN_ROOTS)
    return next((root for root in candidates if _usable(root)), None)


def missing_toolchain() -> str | None:
    """Why the Terraform tests cannot run here, or None when they can."""
    if shutil.which("terraform") is None:
        return "terraform is not on the PATH (install Terraform >= 1.7 to run these tests)"
    if plugin_dir() is None:
        where = os.environ.get("WIKISTREAM_TF_PLUGIN_DIR") or ", ".join(map(str, PLUGIN_ROOTS))
        return (
            f"no local AWS provider plugin directory (>= 5.100, < 7) in {where}: set "
            "WIKISTREAM_TF_PLUGIN_DIR to the folder that holds registry.terraform.io/hashicorp/aws"
        )
    return None


def environment() -> dict[str, str]:
    """No user CLI config (its credentials or mirrors), no update checks, no AWS lookups."""
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": os.devnull,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def copy_infra(target: Path) -> Path:
    """A scratch copy of infra/ (and the JSON it reads from the code), laid out as in the repo."""
    shutil.copytree(INFRA, target / "infra", ignore=shutil.ignore_patterns(".terraform*"))
    shutil.copytree(REPO / SHARED_WITH_CODE, target / SHARED_WITH_CODE)
    return target / "infra"


def terraform(directory: Path, *args: str, stdin: str | None = None, timeout: float = 300):
    """Run terraform in ``directory``; returns the CompletedProcess (no colour, text)."""
    return subprocess.run(
        ["terraform", *args],
        cwd=directory,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=timeout,
    )


def init(directory: Path) -> None:
    """`terraform init` from the local plugin directory, without the S3 backend."""
    result = terraform(
        directory,
        "init",
        f"-plugin-dir={plugin_dir()}",
        "-backend=false",
        "-no-color",
        "-input=false",
    )
    assert result.returncode == 0, f"terraform init in {directory} failed:\n{result.stderr}"
