"""``wikistream aws package``: the job scripts, the jar bundle and the Python environment."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from wikistream_dagster.aws.artifacts import (
    EMR_BUNDLES,
    EMR_JARS,
    ENV_ARCHIVE,
    JARS_DIR,
    JOBS_DIR,
    MANIFEST,
    PLATFORMS,
    PYTHON_VERSION,
)
from wikistream_dagster.aws.env import PackageError, build_env
from wikistream_dagster.contracts.jobs import JOBS
from wikistream_dagster.local.maven import ensure_bundle

log = logging.getLogger(__name__)
SPARK_JOBS = Path(__file__).resolve().parents[1] / "spark_jobs"


@dataclass(frozen=True)
class PackageOptions:
    """What to build, and for which EMR application."""

    out: Path
    arch: str = "ARM64"  # infra/modules/emr_serverless `architecture`
    python_dist: str | None = None  # tarball, URL or directory; None: python-build-standalone
    skip_env: bool = False  # keep the environment already uploaded (only code or jars changed)
    cache_dir: Path = Path(".state/cache")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jobs(out: Path) -> None:
    # Only the entry points: the rest of spark_jobs ships inside the environment's packages,
    # and a script's directory goes first on sys.path, where stray modules could shadow others.
    for script in sorted(set(JOBS.values())):
        shutil.copy(SPARK_JOBS / script, out / JOBS_DIR / script)


def _jars(out: Path, cache_dir: Path) -> None:
    found = {}
    for bundle in EMR_BUNDLES:
        for jar in ensure_bundle(bundle, cache_dir / "jars").glob("*.jar"):
            found[jar.name] = jar
    missing = sorted(set(EMR_JARS) - set(found))
    if missing:
        raise PackageError(
            f"Maven did not resolve {missing}, which the bundles name: align the `brings` of "
            "the bundles (local/spark_jars.py, aws/artifacts.py) with what Maven resolves"
        )
    for name in EMR_JARS:
        shutil.copy(found[name], out / JARS_DIR / name)


def package(opts: PackageOptions) -> dict:
    """Build the package directory; return its manifest."""
    if opts.arch not in PLATFORMS:
        raise PackageError(f"--arch {opts.arch!r}: use one of {', '.join(PLATFORMS)}")
    out = opts.out
    for sub in (JOBS_DIR, JARS_DIR):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    _jobs(out)
    _jars(out, opts.cache_dir)
    env = out / ENV_ARCHIVE
    if opts.skip_env:
        env.unlink(missing_ok=True)
    else:
        build_env(env, arch=opts.arch, python_dist=opts.python_dist, cache_dir=opts.cache_dir)
    files = {
        str(path.relative_to(out)): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {
        "arch": opts.arch,
        "python": PYTHON_VERSION,
        "env": "skipped: keep the uploaded one" if opts.skip_env else ENV_ARCHIVE,
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    log.info(
        "EMR package ready",
        extra={"dir": str(out), "files": len(files), "mb": round(
            sum(f["bytes"] for f in files.values()) / 1e6, 1)},
    )  # fmt: skip
    return manifest
