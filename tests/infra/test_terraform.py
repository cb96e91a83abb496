"""infra/ through the real Terraform: init from the local AWS provider, validate every module and
the prod env, and run the `terraform test` files (mocked provider, no account). Skips with the
reason where Terraform or the provider plugin directory is missing."""

from __future__ import annotations

import json
import math

import pytest

from tests.infra import terraform_cli as tf
from tests.infra.infra_hcl import INFRA, MODULES

pytestmark = pytest.mark.skipif(bool(tf.missing_toolchain()), reason=tf.missing_toolchain() or "")

ROOTS = [f"modules/{p.name}" for p in sorted(MODULES.iterdir()) if p.is_dir()] + ["envs/prod"]
WITH_TESTS = [r for r in ROOTS if list((INFRA / r / "tests").glob("*.tftest.hcl"))]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A copy of infra/, each root initialised once (lazily)."""
    infra = tf.copy_infra(tmp_path_factory.mktemp("terraform"))
    done: set[str] = set()

    def initialised(root: str):
        if root not in done:
            tf.init(infra / root)
            done.add(root)
        return infra / root

    return initialised


def test_every_root_is_covered():
    assert "envs/prod" in WITH_TESTS and "modules/emr_serverless" in WITH_TESTS
    assert len(ROOTS) == 17  # the env's 7 modules, 9 internal ones, envs/prod


def test_terraform_fmt_is_clean():
    result = tf.terraform(INFRA, "fmt", "-check", "-recursive", "-no-color")
    assert result.returncode == 0, f"run `terraform fmt -recursive infra`:\n{result.stdout}"


@pytest.mark.parametrize("root", ROOTS)
def test_terraform_validate(scratch, root):
    result = tf.terraform(scratch(root), "validate", "-no-color", "-json")
    report = json.loads(result.stdout)
    problems = [
        f"{d['severity']}: {d['summary']}: {d.get('detail', '')}" for d in report["diagnostics"]
    ]
    assert report["valid"], f"{root} is not valid:\n" + "\n".join(problems)
    # Deprecations under the provider in use are the first sign of a provider upgrade breaking us.
    assert not problems, f"{root} validates with warnings:\n" + "\n".join(problems)


@pytest.mark.slow  # the prod env applies ~250 mocked resources: 20-60 s on a busy machine
@pytest.mark.parametrize("root", WITH_TESTS)
def test_terraform_test_files_pass(scratch, root):
    result = tf.terraform(scratch(root), "test", "-no-color", timeout=600)
    assert result.returncode == 0, f"terraform test in {root} failed:\n{result.stdout[-6000:]}"
    assert "0 failed" in result.stdout


def _worker_gb(memory: str, overhead: str) -> float:
    """Worker memory EMR Serverless allots for a Spark heap plus its overhead (both 'NNNm')."""
    return (int(memory.removesuffix("m")) + int(overhead.removesuffix("m"))) / 1024


def _request_peaks() -> dict[str, dict]:
    """What each job's StartJobRun request asks for at its ceiling, from the request itself."""
    from tests.dagster.test_emr_request import AWS, _conf
    from wikistream_dagster.contracts.jobs import JOBS
    from wikistream_dagster.resources.emr import start_job_run_params

    peaks = {}
    for job in JOBS:
        mode = "STREAMING" if job == "bronze" else "BATCH"
        conf = _conf(start_job_run_params(job, [], aws=AWS, client_token="t", mode=mode))
        roles = {}
        for role in ("driver", "executor"):
            roles[role] = {
                "cpu": int(conf[f"spark.{role}.cores"]),
                "memory_gb": _worker_gb(
                    conf[f"spark.{role}.memory"], conf[f"spark.{role}.memoryOverhead"]
                ),
                "disk_gb": int(conf[f"spark.emr-serverless.{role}.disk"].removesuffix("G")),
            }
        top = int(conf["spark.dynamicAllocation.maxExecutors"])
        peaks[job] = {
            "roles": roles,
            "initial_executors": int(conf["spark.dynamicAllocation.initialExecutors"]),
            **{
                dim: roles["driver"][dim] + top * roles["executor"][dim]
                for dim in ("cpu", "memory_gb", "disk_gb")
            },
        }
    return peaks


def test_every_job_run_fits_the_capacity_terraform_creates(scratch):
    """The capacity Terraform computes (from spark_sizing.json) against what the requests ask:
    bronze (always on) plus any medallion job plus maintenance fit the maximum at once, and the
    pre-initialized workers are the size every request names (else EMR cannot use them)."""
    module = scratch("modules/emr_serverless")
    sizing = (module.parents[2] / tf.SHARED_WITH_CODE / "spark_sizing.json").read_text()
    variables = {
        "name": "wikistream-prod",
        "network": {
            "vpc_id": "vpc-1",
            "vpc_cidr": "10.0.0.0/16",
            "subnet_ids": ["subnet-1"],
            "s3_prefix_list_id": "pl-1",
        },
        "lakehouse": {
            "artifacts_bucket_arn": "arn:aws:s3:::bucket",
            "table_bucket_arn": "arn:aws:s3tables:eu-west-1:1:bucket/tables",
            "kms_key_arn": "key",
        },
        "kafka": {
            "cluster_arn": "cluster",
            "topic_arns": {"raw-events": "raw", "dlq-events": "dlq"},
            "group_arn_prefix": "group",
            "egress_rule": {"description": "to the brokers", "port": 9098, "peer": "sg-1"},
        },
    }
    (module / "console.auto.tfvars.json").write_text(json.dumps(variables))
    result = tf.terraform(
        module,
        "console",
        "-no-color",
        f"-var=sizing={sizing}",
        stdin="jsonencode({maximum = local.maximum_capacity, initial = local.initial_capacity})\n",
    )
    assert result.returncode == 0, result.stderr
    capacity = json.loads(json.loads(result.stdout.strip()))

    peaks = _request_peaks()
    for medallion in ("medallion", "silver", "quality", "gold", "quarantine"):
        together = ("bronze", medallion, "maintenance")
        for dim in ("cpu", "memory_gb", "disk_gb"):
            need = sum(peaks[job][dim] for job in together)
            assert need <= capacity["maximum"][dim], f"{together} need {need} {dim}, max {capacity}"
    for job, peak in peaks.items():
        for role, key in (("driver", "Driver"), ("executor", "Executor")):
            worker = peak["roles"][role]
            assert worker["memory_gb"] == math.floor(worker["memory_gb"]), f"{job}: {worker}"
            assert worker == {d: capacity["initial"][key][d] for d in worker}, (job, role)
    assert capacity["initial"]["Driver"]["count"] == 1
    assert capacity["initial"]["Executor"]["count"] == peaks["bronze"]["initial_executors"]
