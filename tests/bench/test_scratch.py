"""Counting Spark jobs from a process table: one per driver JVM, whatever else carries the
script's name. The command lines are the shapes seen on a real bronze start (spark-submit ->
spark-class -> java, polled every 10 ms), shortened."""

from __future__ import annotations

import os
import subprocess
import sys

from wikistream_dagster.bench.scratch import process_table, spark_drivers

SCRIPT = "/repo/wikistream_dagster/spark_jobs/bronze_stream.py"
ARGS = f"--master local[2] --name wikistream-bronze {SCRIPT} --trigger-seconds 30"
SUBMIT_BASH = f"bash /venv/pyspark/bin/spark-class org.apache.spark.deploy.SparkSubmit {ARGS}"
LAUNCHER = (
    "java -Xmx128m -cp /venv/pyspark/jars/* org.apache.spark.launcher.Main "
    f"org.apache.spark.deploy.SparkSubmit {ARGS}"
)
DRIVER = (
    "/usr/lib/jvm/java-17/bin/java -cp /conf:/jars/* -Xmx1g "
    f"org.apache.spark.deploy.SparkSubmit {ARGS}"
)
PYTHON = f"/venv/bin/python {SCRIPT} --trigger-seconds 30"


def test_spark_submit_stages_before_the_driver_are_no_job():
    table = {100: (1, SUBMIT_BASH), 108: (100, SUBMIT_BASH), 109: (108, LAUNCHER)}
    assert spark_drivers(table, SCRIPT) == set()


def test_driver_with_its_python_and_its_forks_is_one_job():
    """The driver forks short-lived children (Hadoop's shell commands) that show its command
    line until they exec; counted by their parents read later, one that had exited meanwhile
    made a second 'writer' in a chaos run."""
    table = {100: (1, DRIVER), 154: (100, PYTHON), 226: (100, DRIVER), 260: (100, DRIVER)}
    assert spark_drivers(table, SCRIPT) == {100}
    assert spark_drivers(table, "other_job.py") == set()


def test_two_drivers_are_two_jobs():
    table = {100: (1, DRIVER), 154: (100, PYTHON), 300: (1, DRIVER), 301: (300, PYTHON)}
    assert spark_drivers(table, SCRIPT) == {100, 300}


def test_process_table_reads_parent_and_command_line_of_matching_processes(tmp_path):
    marker = str(tmp_path / "scratch-state")
    code = (
        "import subprocess, sys; "
        "subprocess.run([sys.executable, '-c', 'import time; time.sleep(30)', sys.argv[1]])"
    )
    parent = subprocess.Popen([sys.executable, "-c", code, marker])
    try:
        table: dict = {}
        for _ in range(100):
            table = process_table(marker)
            if len(table) == 2:
                break
            subprocess.run(["sleep", "0.05"])
        assert len(table) == 2, table
        assert table[parent.pid] == (os.getpid(), f"{sys.executable} -c {code} {marker}")
        (child,) = set(table) - {parent.pid}
        assert table[child][0] == parent.pid and marker in table[child][1]
    finally:
        parent.kill()
        parent.wait()
        subprocess.run(["pkill", "-f", marker])
