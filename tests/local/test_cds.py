"""The Spark JVMs' class-data-sharing archive: keyed by the class path, never half-written."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

from wikistream_dagster.local import cds, spark_submit


def _settings(stack_settings, tmp_path):
    return dataclasses.replace(stack_settings, cache_dir=tmp_path / "cache")


def test_archive_is_keyed_by_the_jars_and_mapped_only_when_present(stack_settings, tmp_path):
    s = _settings(stack_settings, tmp_path)
    jars = [Path("/j/a.jar"), Path("/j/b.jar")]
    path = cds.archive_path(s, jars)
    assert path != cds.archive_path(s, jars[:1])
    assert cds.java_option(s, jars) == ""
    cmd = " ".join(spark_submit.spark_submit_command(s, "gold", [], jars))
    assert "SharedArchiveFile" not in cmd
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    assert cds.java_option(s, jars) == f"-XX:SharedArchiveFile={path}"
    cmd = " ".join(spark_submit.spark_submit_command(s, "gold", [], jars))
    assert f"-XX:SharedArchiveFile={path}" in cmd


def test_a_failed_dump_leaves_no_archive(stack_settings, tmp_path, monkeypatch):
    s = _settings(stack_settings, tmp_path)
    jars = [Path("/j/a.jar")]
    monkeypatch.setattr(spark_submit, "spark_submit_command", lambda *a, **k: ["false"])
    assert cds.ensure_archive(s, jars) is None
    assert not list((tmp_path / "cache" / "spark-cds").glob("*"))  # no partial file either


def test_the_setup_archive_is_used_by_a_real_jvm(stack_settings):
    """After setup (which .ci/run runs first) the archive for the real jars exists and the JVM
    maps it without complaint."""
    jars = spark_submit.prepare(stack_settings)
    path = cds.archive_path(stack_settings, jars)
    assert cds.ensure_archive(stack_settings, jars) == path and path.is_file()
    out = subprocess.run(
        ["java", f"-XX:SharedArchiveFile={path}", "-Xlog:cds=info", "-version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "error" not in (out.stdout + out.stderr).lower()


def test_archive_is_keyed_by_the_spark_install_too(stack_settings, tmp_path, monkeypatch):
    """The JVM's class path starts with pyspark's own jars: a second checkout (another venv)
    cannot map an archive dumped with the first one's, so it must not find it."""
    s = _settings(stack_settings, tmp_path)
    jars = [Path("/j/a.jar")]
    here = cds.archive_path(s, jars)
    monkeypatch.setattr(cds.pyspark, "__file__", "/elsewhere/.venv/pyspark/__init__.py")
    assert cds.archive_path(s, jars) != here
