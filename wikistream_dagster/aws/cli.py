"""``wikistream aws package`` and ``wikistream aws upload``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from wikistream_dagster.aws.artifacts import PLATFORMS
from wikistream_dagster.config import cli_defaults


def add_parser(sub, handler: Callable) -> None:
    """Register ``aws package`` and ``aws upload`` under the main parser's subcommands."""
    s = sub.add_parser("aws", help="build and stage what EMR Serverless runs")
    s.set_defaults(func=handler)
    act = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = act.add_parser("package", help="job scripts, jar bundle, Python environment -> --out")
    a.add_argument("--out", type=Path, default=None, help="package dir (.state/aws/package)")
    a.add_argument(
        "--arch",
        choices=sorted(PLATFORMS),
        default="ARM64",
        help="EMR application architecture (infra: emr_serverless `architecture`, ARM64)",
    )
    a.add_argument(
        "--python-dist",
        default=None,
        help="relocatable CPython 3.11 for --arch (python-build-standalone install_only "
        "tarball, URL or directory; default: download it)",
    )
    a.add_argument(
        "--skip-env", action="store_true", help="no environment: keep the one uploaded before"
    )
    a = act.add_parser("upload", help="put the package where the EMR job requests expect it")
    a.add_argument("--bucket", required=True, help="artifacts bucket (terraform output)")
    a.add_argument("--prefix", default=None, help="key prefix (code/current)")
    a.add_argument("--dir", type=Path, default=None, help="package dir (.state/aws/package)")
    a.add_argument("--region", default=cli_defaults().aws_region or None)
    a.add_argument("--endpoint-url", default=None, help="another S3 endpoint (tests: moto)")


def run(args: argparse.Namespace, settings) -> list[str]:
    """Run the action; the lines to print."""
    from wikistream_dagster.aws.package import PackageOptions, package
    from wikistream_dagster.aws.upload import upload

    default_dir = settings.state_dir / "aws" / "package"
    if args.action == "package":
        opts = PackageOptions(
            out=args.out or default_dir,
            arch=args.arch,
            python_dist=args.python_dist,
            skip_env=args.skip_env,
            cache_dir=settings.cache_dir,
        )
        manifest = package(opts)
        return [
            f"{len(manifest['files'])} files in {opts.out} ({opts.arch}, env: {manifest['env']})"
        ]
    written = upload(
        args.dir or default_dir,
        args.bucket,
        prefix=args.prefix,
        region=args.region,
        endpoint_url=args.endpoint_url,
    )
    return written
