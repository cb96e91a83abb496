"""``wikistream aws package`` and ``aws upload``: what EMR runs exists where its requests point.

The upload goes to moto's S3 server (the one stand-in allowed: AWS itself). Every S3 URI in a
generated job request (every job, batch and streaming) must exist after the upload, except the
locations jobs write (checkpoints, logs).
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import tarfile
from pathlib import Path

import boto3
import pytest

from tests.aws_example import AWS as EXAMPLE_AWS
from tests.aws_example import REGION, fake_credentials, moto_server
from tests.infra.infra_hcl import MODULES, load_module
from wikistream_dagster.aws import cli as aws_cli
from wikistream_dagster.aws.artifacts import (
    ENV_ARCHIVE,
    JOB_REQUIREMENTS,
    PLATFORMS,
    PYTHON_VERSION,
    python_dist_url,
)
from wikistream_dagster.aws.env import pip_command
from wikistream_dagster.cli import main
from wikistream_dagster.contracts.jobs import JOBS
from wikistream_dagster.resources.emr import bronze_checkpoint, start_job_run_params

BUCKET = "wikistream-artifacts-test"
SPARK_JOBS = Path(__file__).resolve().parents[2] / "wikistream_dagster" / "spark_jobs"
AWS = dataclasses.replace(EXAMPLE_AWS, artifacts_bucket=BUCKET)
# What jobs write, not read: need not exist before a run.
OUTPUTS = {bronze_checkpoint(AWS), f"s3://{BUCKET}/logs/emr/"}


def request_uris() -> set[str]:
    """Every s3:// URI in every job's StartJobRun request."""
    found = set()
    for job in JOBS:
        for mode in ("BATCH", "STREAMING"):
            params = start_job_run_params(job, [], aws=AWS, client_token="t", mode=mode)
            found |= set(re.findall(r"s3://[^\s,#\"']+", repr(params)))
    return found - OUTPUTS


def test_job_requirements_cover_what_the_jobs_import():
    """The environment holds every third-party module the job scripts import."""
    provided = {"pyspark", "wikistream_dagster", "producer_service", "__future__"}
    imported = set()
    for path in SPARK_JOBS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - provided
    shipped = {re.split(r"[=<>\[]", r)[0].replace("-", "_") for r in JOB_REQUIREMENTS}
    assert third_party <= shipped, f"add {sorted(third_party - shipped)} to JOB_REQUIREMENTS"


def test_environment_carries_the_table_definitions(tmp_path):
    """EMR gets our packages as source trees: contracts/tables.toml, which every job loads at
    import (the tables' columns), comes along beside the modules."""
    from wikistream_dagster.aws.env import REPO, _copy_packages

    _copy_packages(tmp_path)
    toml = "wikistream_dagster/contracts/tables.toml"
    assert (tmp_path / toml).read_bytes() == (REPO / toml).read_bytes()


@pytest.mark.parametrize("arch", sorted(PLATFORMS))
def test_environment_is_built_for_emr_platform(arch, tmp_path):
    cmd = pip_command(tmp_path, arch)
    platform = {"ARM64": "manylinux2014_aarch64", "X86_64": "manylinux2014_x86_64"}[arch]
    assert cmd[cmd.index("--platform") + 1] == platform
    assert cmd[cmd.index("--python-version") + 1] == PYTHON_VERSION
    assert "--only-binary=:all:" in cmd and cmd[cmd.index("--implementation") + 1] == "cp"
    assert cmd[cmd.index("--target") + 1] == str(tmp_path)
    triple = {"ARM64": "aarch64-unknown-linux-gnu", "X86_64": "x86_64-unknown-linux-gnu"}[arch]
    assert f"cpython-{PYTHON_VERSION}." in python_dist_url(arch) and triple in python_dist_url(arch)


def test_default_arch_is_the_emr_application_architecture():
    emr = load_module(MODULES / "emr_serverless")
    parser = __import__("argparse").ArgumentParser()
    aws_cli.add_parser(parser.add_subparsers(), lambda *a: 0)
    args = parser.parse_args(["aws", "package"])
    assert args.arch == emr.variables["architecture"]["default"]


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory):
    with moto_server() as url:
        s3 = boto3.client(
            "s3",
            region_name=REGION,
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield url, s3


def _existing(s3, uris: set[str]) -> set[str]:
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys |= {f"s3://{BUCKET}/{obj['Key']}" for obj in page.get("Contents", [])}
    return uris & keys


def _package_and_upload(monkeypatch, moto_url: str, out: Path, *package_args: str) -> None:
    fake_credentials(monkeypatch)
    assert main(["aws", "package", "--out", str(out), *package_args]) == 0
    assert main(["aws", "upload", "--bucket", BUCKET, "--dir", str(out),
                 "--endpoint-url", moto_url]) == 0  # fmt: skip


def test_upload_puts_code_and_jars_where_requests_point(moto_s3, tmp_path, monkeypatch):
    """Without the (slow) environment: every other artifact URI exists after the upload."""
    url, s3 = moto_s3
    _package_and_upload(monkeypatch, url, tmp_path / "pkg", "--skip-env")
    env_uri = f"s3://{BUCKET}/code/current/{ENV_ARCHIVE}"
    wanted = request_uris()
    assert env_uri in wanted, "the requests' spark.archives must be the archive package builds"
    assert len(wanted) == len(JOBS) + 8 + 1  # scripts, jars, environment
    missing = wanted - {env_uri} - _existing(s3, wanted)
    assert not missing, f"not uploaded: {sorted(missing)}"


def _local_cpython(root: Path) -> Path:
    """This machine's CPython 3.11 laid out as a relocatable prefix (bin/, lib/python3.11)."""
    exe = Path(f"/usr/bin/python{PYTHON_VERSION}")
    stdlib = Path(f"/usr/lib/python{PYTHON_VERSION}")
    if not (exe.exists() and (stdlib / "os.py").exists()):
        pytest.skip(f"no system CPython {PYTHON_VERSION} to stand in for python-build-standalone")
    import shutil

    (root / "bin").mkdir(parents=True)
    shutil.copy(exe, root / "bin" / exe.name)
    shutil.copytree(
        stdlib,
        root / "lib" / stdlib.name,
        symlinks=True,
        ignore=shutil.ignore_patterns("test", "__pycache__", "dist-packages", "idlelib"),
    )
    return root


@pytest.mark.slow
def test_environment_runs_the_jobs_imports(moto_s3, tmp_path, monkeypatch):
    """The whole package for X86_64 (this machine), with this machine's CPython 3.11 as the
    interpreter (EMR gets python-build-standalone's, which GitHub serves and this machine
    cannot fetch): every URI exists after the upload, and the archive, unpacked as EMR does
    (``./environment``), imports every job entry point with pyspark on the path."""
    if sys.platform != "linux" or "x86_64" not in __import__("platform").machine():
        pytest.skip("the stand-in interpreter is this machine's: needs linux x86_64")
    url, s3 = moto_s3
    # Laid out as python-build-standalone's install_only tarball: one top directory, python/.
    prefix = _local_cpython(tmp_path / "dist" / "python")
    dist = tmp_path / "dist" / "cpython-install_only.tar.gz"
    with tarfile.open(dist, "w:gz", compresslevel=1) as tar:
        tar.add(prefix, arcname="python")
    _package_and_upload(
        monkeypatch, url, tmp_path / "pkg", "--arch", "X86_64", "--python-dist", str(dist)
    )
    wanted = request_uris()
    assert wanted == _existing(s3, wanted)
    work = tmp_path / "emr-work"
    work.mkdir()
    archive = work / ENV_ARCHIVE
    s3.download_file(BUCKET, f"code/current/{ENV_ARCHIVE}", str(archive))
    with tarfile.open(archive) as tar:
        tar.extractall(work / "environment", filter="tar")
    import subprocess

    import py4j
    import pyspark

    spark_python = work / "spark-python"  # EMR puts its Spark's pyspark and py4j on the path
    spark_python.mkdir()
    for package in (pyspark, py4j):
        (spark_python / package.__name__).symlink_to(Path(package.__file__).parent)
    modules = [f"wikistream_dagster.spark_jobs.{Path(s).stem}" for s in JOBS.values()]
    code = (
        "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
        "import dagster_pipes, pydeequ, wikistream_dagster\n"
        "print(dagster_pipes.__file__, pydeequ.__file__, wikistream_dagster.__file__)"
    )
    proc = subprocess.run(
        ["./environment/bin/python", "-s", "-c", code, *modules],
        cwd=work,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(spark_python), "PATH": "/usr/bin:/bin", "SPARK_VERSION": "3.5"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for path in proc.stdout.split():
        assert path.startswith(str(work / "environment")), proc.stdout
