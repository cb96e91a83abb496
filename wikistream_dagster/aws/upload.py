"""``wikistream aws upload``: the package directory to where the EMR job requests point."""

from __future__ import annotations

import logging
from pathlib import Path

from wikistream_dagster.aws.artifacts import MANIFEST
from wikistream_dagster.aws.env import PackageError

log = logging.getLogger(__name__)


def code_key_prefix(version: str = "current") -> str:
    """The key prefix of ``resources/emr.py``'s ``code_prefix`` (s3://<bucket>/code/<version>)."""
    return f"code/{version}"


def upload(
    package_dir: Path,
    bucket: str,
    *,
    prefix: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> list[str]:
    """Put every file of the package under ``s3://bucket/prefix/``; return the URIs written."""
    import boto3

    if not (package_dir / MANIFEST).exists():
        raise PackageError(f"{package_dir} has no {MANIFEST}: run `wikistream aws package` first")
    prefix = (prefix or code_key_prefix()).strip("/")
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
    written = []
    for path in sorted(p for p in package_dir.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(package_dir).as_posix()}"
        s3.upload_file(str(path), bucket, key)
        written.append(f"s3://{bucket}/{key}")
    log.info("EMR artifacts uploaded", extra={"bucket": bucket, "prefix": prefix,
                                              "files": len(written)})  # fmt: skip
    return written
