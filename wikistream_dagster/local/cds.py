"""Class-data sharing for the local Spark JVMs: about 2 s off every spark-submit's start-up.

``setup`` runs a small Spark workload once with ``-XX:ArchiveClassesAtExit`` (a dynamic AppCDS
archive of the Spark SQL, Iceberg and Parquet classes it loads, and of the classes listed in
``cds_classes.txt``); every later local spark-submit maps that archive instead of loading and
verifying those classes again. The archive is keyed by the Java version, the class path and the
workload with its list, so a new JDK, pyspark, jar set or list gets a new one; it is written
under a temporary name and renamed only once a JVM has mapped it, because a truncated archive
crashes the JVM.

The list holds the classes that real local jobs (medallion, bronze) still loaded from the jars
with the archive mapped; ``python -m wikistream_dagster.local.cds LOG...`` rewrites it from the
``-Xlog:class+load=info:file=LOG`` output of such runs (e.g. through ``JAVA_TOOL_OPTIONS``).
Classes of signed jars (Janino's) cannot be archived: they are left out of the list.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyspark

from wikistream_dagster.config import Settings

log = logging.getLogger(__name__)

WORKLOAD = Path(__file__).with_name("cds_workload.py")
CLASS_LIST = WORKLOAD.with_name("cds_classes.txt")
SIGNED = ("org.codehaus.",)  # Janino and commons-compiler: signed jars, never archived
# "<class> source: <jar, directory or jrt:/module>" in -Xlog:class+load output (not the archive,
# not generated or lambda classes, which have no such source)
_FROM_FILES = re.compile(r"\[class,load\] (\S+) source: (?:jar:|file:|jrt:)")


@functools.cache
def _workload_digest() -> str:
    """What the archive holds besides the class path's defaults: the workload and its list
    (read once per process: every local spark-submit asks for the archive's path)."""
    return hashlib.sha256(WORKLOAD.read_bytes() + CLASS_LIST.read_bytes()).hexdigest()


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
    key = "\n".join(
        [_java_version(), pyspark.__version__, spark_home, _workload_digest(), *map(str, jars)]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return settings.cache_dir / "spark-cds" / f"spark-{digest}.jsa"


def java_option(settings: Settings, jars: Sequence[Path]) -> str:
    """``-XX:SharedArchiveFile=...`` when the archive exists, else nothing."""
    path = archive_path(settings, jars)
    return f"-XX:SharedArchiveFile={path}" if path.is_file() else ""


def ensure_archive(settings: Settings, jars: Sequence[Path]) -> Path | None:
    """Dump the archive if missing (about 45 s, once); None if this JVM cannot make one."""
    from wikistream_dagster.local import spark_submit

    path = archive_path(settings, jars)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    log.info("dumping the Spark class-data-sharing archive (once)", extra={"archive": str(path)})
    cmd = spark_submit.spark_submit_command(
        settings,
        "cds",
        [str(CLASS_LIST)],
        jars=jars,
        script=WORKLOAD,
        java_options=f"-XX:ArchiveClassesAtExit={tmp}",
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


def classes_loaded_from_files(logs: Iterable[str]) -> set[str]:
    """The classes that ``-Xlog:class+load`` outputs show loaded from jars or the JDK image."""
    return {m.group(1) for text in logs for m in _FROM_FILES.finditer(text)}


def main(argv: list[str]) -> int:
    """Add the classes the given class-load logs show read from files to ``cds_classes.txt``."""
    if not argv:
        sys.stderr.write("usage: python -m wikistream_dagster.local.cds LOG...\n")
        return 2
    found = classes_loaded_from_files(Path(p).read_text(errors="replace") for p in argv)
    found = {name for name in found if not name.startswith(SIGNED)}
    known = set(CLASS_LIST.read_text().split()) if CLASS_LIST.is_file() else set()
    CLASS_LIST.write_text("".join(f"{name}\n" for name in sorted(known | found)))
    sys.stdout.write(f"{CLASS_LIST}: {len(known | found)} classes ({len(found - known)} new)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
