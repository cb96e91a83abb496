"""The Python environment EMR Serverless unpacks as ``./environment`` (``spark.archives``).

A relocatable CPython for EMR's architecture (python-build-standalone ``install_only``: a
tarball, its URL, or an unpacked directory), the job requirements installed by pip for that
platform (``--platform manylinux2014_<arch> --only-binary=:all:``, so building on x86_64 for
ARM64 works), and our own packages, tarred with ``bin/python`` at the top.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from wikistream_dagster.aws.artifacts import (
    JOB_PACKAGES,
    JOB_REQUIREMENTS,
    PLATFORMS,
    PYTHON_VERSION,
    python_dist_url,
)

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]


class PackageError(RuntimeError):
    """A packaging step failed; the message names the cause and the fix."""


def pip_command(target: Path, arch: str, python_version: str = PYTHON_VERSION) -> list[str]:
    """pip installing the job requirements as wheels for EMR's platform into ``target``."""
    platform = PLATFORMS[arch][0]
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
        "--target", str(target),
        "--platform", platform, "--implementation", "cp",
        "--python-version", python_version, "--only-binary=:all:",
        *JOB_REQUIREMENTS,
    ]  # fmt: skip


def _fetch(url: str, cache_dir: Path) -> Path:
    dest = cache_dir / "python-dist" / url.rsplit("/", 1)[-1].replace("%2B", "+")
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading the EMR job interpreter", extra={"url": url})
    try:
        with urllib.request.urlopen(url, timeout=120) as response, open(f"{dest}.part", "wb") as f:
            shutil.copyfileobj(response, f)
    except OSError as exc:
        raise PackageError(
            f"could not download {url} ({exc}): download it elsewhere and pass the file with "
            "--python-dist, or use --skip-env to keep the environment already uploaded"
        ) from exc
    Path(f"{dest}.part").rename(dest)
    return dest


def _unpack_python(dist: str, stage: Path, cache_dir: Path) -> None:
    """Lay the interpreter (``bin/``, ``lib/``) into ``stage``."""
    path = _fetch(dist, cache_dir) if dist.startswith(("http://", "https://")) else Path(dist)
    if path.is_dir():
        shutil.copytree(path, stage, symlinks=True, dirs_exist_ok=True)
        return
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        top = {m.name.split("/", 1)[0] for m in members}
        strip = len(top) == 1 and top.isdisjoint({"bin", "lib"})  # install_only: python/...
        for member in members:
            if strip:
                parts = member.name.split("/", 1)
                if len(parts) == 1:
                    continue
                member.name = parts[1]
            tar.extract(member, stage, filter="tar")


def _elf_machine(binary: Path) -> int:
    header = binary.read_bytes()[:20]
    if header[:4] != b"\x7fELF":
        raise PackageError(f"{binary} is not a Linux executable: use a Linux build of CPython")
    return int.from_bytes(header[18:20], "little")


def _check_interpreter(stage: Path, arch: str, python_version: str) -> None:
    exe = stage / "bin" / f"python{python_version}"
    if not exe.exists():
        raise PackageError(
            f"the Python distribution has no bin/python{python_version}: pass a CPython "
            f"{python_version} build (python-build-standalone install_only) with --python-dist"
        )
    if _elf_machine(exe.resolve()) != PLATFORMS[arch][2]:
        raise PackageError(
            f"the Python distribution is not built for {arch}: EMR would fail to start it; "
            f"pass the {PLATFORMS[arch][1]} build"
        )
    python = stage / "bin" / "python"
    if not python.exists():
        python.symlink_to(f"python{python_version}")


def _site_dir(stage: Path, python_version: str) -> Path:
    """Where this interpreter's ``site`` looks (Debian's builds use lib/python3/dist-packages)."""
    lib = stage / "lib" / f"python{python_version}"
    site_py = lib / "site.py"
    if site_py.exists() and "dist-packages" in site_py.read_text(errors="replace"):
        return stage / "lib" / "python3" / "dist-packages"
    return lib / "site-packages"


def _copy_packages(site: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "recordings", "bench")
    for package in JOB_PACKAGES:
        shutil.copytree(REPO / package, site / package, ignore=ignore, dirs_exist_ok=True)


def build_env(
    out: Path,
    *,
    arch: str,
    python_dist: str | None,
    cache_dir: Path,
    python_version: str = PYTHON_VERSION,
) -> Path:
    """Build ``out`` (the environment archive) for EMR's ``arch``; return it."""
    with tempfile.TemporaryDirectory(prefix="wikistream-emr-env-") as tmp:
        stage = Path(tmp) / "environment"
        stage.mkdir()
        _unpack_python(python_dist or python_dist_url(arch), stage, cache_dir)
        _check_interpreter(stage, arch, python_version)
        site = _site_dir(stage, python_version)
        site.mkdir(parents=True, exist_ok=True)
        cmd = pip_command(site, arch, python_version)
        log.info("installing the job requirements for EMR", extra={"cmd": " ".join(cmd)})
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise PackageError(
                f"pip could not install {', '.join(JOB_REQUIREMENTS)} as {PLATFORMS[arch][0]} "
                f"wheels for Python {python_version}: {proc.stderr.strip()[-1500:]}"
            )
        _copy_packages(site)
        tmp_archive = out.with_suffix(".part")
        with tarfile.open(tmp_archive, "w:gz", compresslevel=6) as tar:
            for child in sorted(stage.iterdir()):
                tar.add(child, arcname=child.name)
        tmp_archive.rename(out)
    return out
