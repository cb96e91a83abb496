"""Class-data sharing for the local Spark JVMs: about 2 s off every spark-submit's start-up.

``setup`` runs a small Spark workload once with ``-XX:ArchiveClassesAtExit`` (a dynamic AppCDS
archive of the Spark SQL, Iceberg and Parquet classes it loads); every later local spark-submit
maps that archive instead of loading and verifying those classes again. The archive is keyed by
the Java version and the class path, so a new JDK, pyspark or jar set gets a new one; it is
written under a temporary name and renamed only once a JVM has mapped it, because a truncated
archive crashes the JVM.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pyspark

from wikistream_dagster.config import Settings

log = logging.getLogger(__name__)


@functools.cache
def _java_version() -> str:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return out.stderr.strip()


def archive_path(settings: Settings, jars: Sequence[Path]) -> Path:
    """Where the archive for this JDK, pyspark install and jar set lives (may not exist yet).

    The install's path counts, not only its version: the class path begins with its jars, and
    the JVM refuses an archive dumped with another class path ("Unable to use shared archive").
    """
    spark_home = str(Path(pyspark.__file__).resolve().parent)
    key = "\n".join([_java_version(), pyspark.__version__, spark_home, *map(str, jars)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return settings.cache_dir / "spark-cds" / f"spark-{digest}.jsa"


def java_option(settings: Settings, jars: Sequence[Path]) -> str:
    """``-XX:SharedArchiveFile=...`` when the archive exists, else nothing."""
    path = archive_path(settings, jars)
    return f"-XX:SharedArchiveFile={path}" if path.is_file() else ""


def ensure_archive(settings: Settings, jars: Sequence[Path]) -> Path | None:
    """Dump the archive if missing (about 20 s, once); None if this JVM cannot make one."""
    from wikistream_dagster.local import spark_submit

    path = archive_path(settings, jars)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    workload = Path(__file__).with_name("cds_workload.py")
    log.info("dumping the Spark class-data-sharing archive (once)", extra={"archive": str(path)})
    cmd = spark_submit.spark_submit_command(
        settings, "cds", jars=jars, script=workload, java_options=f"-XX:ArchiveClassesAtExit={tmp}"
    )
    env = spark_submit.spark_submit_env(settings)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    check = subprocess.run(
        ["java", f"-XX:SharedArchiveFile={tmp}", "-Xshare:auto", "-version"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not tmp.is_file() or check.returncode != 0:
        tmp.unlink(missing_ok=True)
        log.warning(
            "no class-data-sharing archive: Spark jobs start without it (about 2 s slower)",
            extra={"exit": proc.returncode, "stderr": proc.stderr[-1000:]},
        )
        return None
    tmp.replace(path)
    for stale in path.parent.glob("spark-*.jsa"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return path
