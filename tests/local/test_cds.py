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


# Classes the medallion and bronze jobs need beyond the stock workload's: the REST catalog
# client, Deequ, the Kafka source.
NEEDED_BY_JOBS = (
    "org.apache.iceberg.rest.RESTSessionCatalog",
    "com.amazon.deequ.VerificationSuite",
    "org.apache.spark.sql.kafka010.KafkaSourceProvider",
)
LOAD = """
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
jvm = spark.sparkContext._jvm
loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
for name in sys.argv[1:]:
    jvm.java.lang.Class.forName(name, False, loader)
spark.stop()
"""


def test_the_archive_holds_the_classes_real_jobs_load(stack_settings, tmp_path):
    """The classes jobs load besides the stock workload's come from the archive, not the jars
    (each one read from a jar is parsed and verified again by every job's JVM)."""
    assert set(NEEDED_BY_JOBS) <= set(cds.CLASS_LIST.read_text().split())
    jars = spark_submit.prepare(stack_settings)
    archive = cds.ensure_archive(stack_settings, jars)
    assert archive is not None
    script, log = tmp_path / "load.py", tmp_path / "classes.log"
    script.write_text(LOAD)
    cmd = spark_submit.spark_submit_command(
        stack_settings,
        "cds",
        list(NEEDED_BY_JOBS),
        jars,
        script=script,
        java_options=f"-XX:SharedArchiveFile={archive} -Xlog:class+load=info:file={log}",
    )
    subprocess.run(cmd, env=spark_submit.spark_submit_env(stack_settings), check=True)
    sources = {
        line.split()[1]: line.split(" source: ", 1)[1]
        for line in log.read_text().splitlines()
        if " source: " in line
    }
    not_archived = {
        name: sources.get(name, "not loaded")
        for name in NEEDED_BY_JOBS
        if not sources.get(name, "").startswith("shared objects file")  # "(top)": the dynamic one
    }
    assert not_archived == {}


def test_class_lists_are_read_from_class_load_logs():
    text = (
        "[0.1s][info][class,load] java.lang.Object source: shared objects file\n"
        "[2.0s][info][class,load] org.codehaus.janino.Java source: file:/x/janino-3.1.9.jar\n"
        "[2.1s][info][class,load] jdk.internal.X source: jrt:/java.base\n"
        "[2.2s][info][class,load] a.B$$Lambda$1/0x1 source: a.B\n"
        "[2.3s][info][class,load] GeneratedClass source: __JVM_DefineClass__\n"
    )
    assert cds.classes_loaded_from_files([text]) == {"org.codehaus.janino.Java", "jdk.internal.X"}
