"""The EMR artifacts: one home for their names, shared by the packager and the job requests.

Layout of a package directory, mirrored under ``s3://<artifacts bucket>/code/<version>/``
(``resources/emr.py``'s ``code_prefix``)::

    spark_jobs/<entry point>.py     the scripts ``entryPoint`` names
    jars/<jar>                      what ``spark.jars`` lists
    wikistream-venv.tar.gz          ``spark.archives`` (#environment): bin/python + packages
    manifest.json                   what was built, for whom (arch, Python), and file digests
"""

from __future__ import annotations

from wikistream_dagster.local.maven import Artifact, Bundle
from wikistream_dagster.local.spark_jars import ICEBERG_VERSION, SPARK_BUNDLE

ENV_ARCHIVE = "wikistream-venv.tar.gz"
MANIFEST = "manifest.json"
JOBS_DIR = "spark_jobs"
JARS_DIR = "jars"

# Python packages the job scripts import besides pyspark (EMR's own) and the standard library.
# tests/aws checks this against the imports of wikistream_dagster/spark_jobs.
JOB_REQUIREMENTS = ("dagster-pipes==1.13.27", "pydeequ==1.7.0")
# Our own packages the jobs import, shipped inside the environment's site-packages.
JOB_PACKAGES = ("wikistream_dagster", "producer_service")

# EMR runs Spark 3.5 with its own Hadoop/Scala: the local Spark bundle (Kafka source, Iceberg
# runtime, Deequ) plus S3 Tables and MSK IAM. The MSK signer ships shaded (classifier `all`).
EMR_EXTRA = Bundle(
    "spark-emr-extra",
    (
        Artifact("org.apache.iceberg", "iceberg-aws-bundle", ICEBERG_VERSION, transitive=False),
        Artifact("software.amazon.msk", "aws-msk-iam-auth", "2.3.2", "all", transitive=False),
    ),
    notes="S3 Tables (Iceberg AWS bundle) and the shaded MSK IAM signer, for EMR Serverless",
)
EMR_BUNDLES = (SPARK_BUNDLE, EMR_EXTRA)
# The jars ``spark.jars`` lists and the package stages under jars/: what the bundles resolve to.
EMR_JARS = tuple(jar for bundle in EMR_BUNDLES for jar in bundle.jar_names())

# EMR Serverless architecture -> pip platform tag and python-build-standalone target triple.
PLATFORMS = {
    "ARM64": ("manylinux2014_aarch64", "aarch64-unknown-linux-gnu", 0xB7),
    "X86_64": ("manylinux2014_x86_64", "x86_64-unknown-linux-gnu", 0x3E),
}
# EMR Serverless 7.x images have Python 3.9; the jobs need 3.11 (datetime.UTC, typing), so the
# environment carries its own relocatable CPython (python-build-standalone, glibc >= 2.17).
PYTHON_VERSION = "3.11"
PYTHON_BUILD = ("3.11.10", "20241016")


def python_dist_url(arch: str) -> str:
    """The relocatable CPython build for an EMR architecture (ARM64 or X86_64)."""
    version, release = PYTHON_BUILD
    triple = PLATFORMS[arch][1]
    return (
        "https://github.com/astral-sh/python-build-standalone/releases/download/"
        f"{release}/cpython-{version}+{release}-{triple}-install_only.tar.gz"
    )
