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
