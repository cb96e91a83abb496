"""The local Spark runner's command: batch jobs run below the bronze stream's CPU priority."""

import os
import subprocess
import sys

from wikistream_dagster.resources.spark_runner import BATCH_NICENESS, batch_priority


def test_batch_jobs_run_at_a_lower_cpu_priority_than_the_stream():
    code = "import os; print(os.nice(0))"
    out = subprocess.run(
        batch_priority([sys.executable, "-c", code]), capture_output=True, text=True, check=True
    )
    assert int(out.stdout) == min(19, os.nice(0) + BATCH_NICENESS)


def test_batch_jobs_yield_the_cpu_to_a_stream_in_another_session():
    """Linux's autogroup scheduling (on by default) shares the CPU between sessions first and
    applies nice only inside one: the bronze stream runs in a session of its own, so a job
    merely niced in the Dagster worker's session would still get half the CPU. The job gets a
    session of its own whose group is niced as well."""
    code = (
        "import os, pathlib; p = pathlib.Path('/proc/self/autogroup'); "
        "print(os.getsid(0)); print(p.read_text().strip() if p.exists() else '')"
    )
    out = subprocess.run(
        batch_priority([sys.executable, "-c", code]), capture_output=True, text=True, check=True
    )
    sid, group = (out.stdout.splitlines() + [""])[:2]
    assert int(sid) != os.getsid(0), "the job must run in a session of its own"
    if group:  # a kernel built without autogroups has no such file
        assert group.endswith(f"nice {BATCH_NICENESS}"), group
