"""What every entry point shares: arguments, the Dagster Pipes reporter, the result file.

Launched by Dagster (``PipesSubprocessClient`` locally, ``PipesEMRServerlessClient`` on AWS) a job
reports materializations and checks through Pipes; launched by hand (``./wikistream spark ...``)
the same calls only log. Results are also returned as plain dicts and, with ``--result-json``,
written to a file, so tests and benchmarks read them without Dagster.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dagster_pipes
from pyspark.sql import SparkSession

from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig
from wikistream_dagster.spark_jobs.session import build_session

log = logging.getLogger("wikistream.spark")


def base_parser(description: str) -> argparse.ArgumentParser:
    """Arguments every job accepts: where the catalog is, and where to write the result."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--catalog-kind",
        choices=["rest", "s3tables"],
        default=None,
        help="rest (local REST catalog) or s3tables (env WIKISTREAM_CATALOG_KIND)",
    )
    p.add_argument("--catalog-uri", default=None, help="REST URI (env WIKISTREAM_CATALOG_URI)")
    p.add_argument(
        "--warehouse",
        default=None,
        help="warehouse URI or S3 table bucket ARN (env WIKISTREAM_WAREHOUSE)",
    )
    p.add_argument("--region", default=None, help="AWS region for s3tables (env AWS_REGION)")
    p.add_argument("--result-json", default=None, help="also write the job's result here")
    p.add_argument("--log-level", default="INFO")
    return p


def add_hours_arg(parser: argparse.ArgumentParser, what: str) -> None:
    """``--hours``: UTC hours (repeatable, each may be a comma-list), as ``H.parse_hours`` reads
    them and ``contracts.hours.format_hours`` writes them; ``what`` ends the help text."""
    parser.add_argument(
        "--hours",
        action="append",
        default=None,
        help=f"UTC hours, e.g. 2018-03-07T16 (repeat or comma-list): {what}",
    )


def parse_args(
    parser: argparse.ArgumentParser, argv: list[str] | None = None
) -> argparse.Namespace:
    """Parse known args; Pipes' own ``--dagster-pipes-*`` arguments (EMR) pass through."""
    args, unknown = parser.parse_known_args(argv)
    stray = [a for a in unknown if a.startswith("--") and not a.startswith("--dagster-pipes")]
    if stray:
        parser.error(f"unrecognized arguments: {' '.join(stray)}")
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return args


def catalog_config(args: argparse.Namespace) -> CatalogConfig:
    return CatalogConfig.from_env(
        kind=args.catalog_kind, uri=args.catalog_uri, warehouse=args.warehouse, region=args.region
    )


def _meta_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"raw_value", "type"}:
        return value  # already a Pipes metadata value (e.g. markdown)
    if isinstance(value, (dict, list, tuple)):
        return {"raw_value": json.loads(json.dumps(value, default=str)), "type": "json"}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


class Reporter:
    """Reports to Dagster through Pipes when launched by Dagster; otherwise only logs.

    Asset keys default to the table name with ``/`` (``silver/wiki_events_cleaned``); the
    Dagster side may map tables to other keys with the Pipes extra ``asset_keys``.
    """

    def __init__(self, pipes: Any | None = None):
        self.pipes = pipes
        self._keys: Mapping[str, str] = pipes.extras.get("asset_keys", {}) if pipes else {}

    def asset_key(self, table: str) -> str:
        return self._keys.get(table, table.replace(".", "/"))

    def _in_scope(self, key: str) -> bool:
        if self.pipes is None:
            return False
        try:
            return key in self.pipes.asset_keys
        except dagster_pipes.DagsterPipesError:  # step targets no asset
            return False

    def materialized(self, table: str, metadata: Mapping[str, Any]) -> None:
        key = self.asset_key(table)
        log.info("materialized %s: %s", table, json.dumps(metadata, default=str))
        if self._in_scope(key):
            self.pipes.report_asset_materialization(
                metadata={k: _meta_value(v) for k, v in metadata.items()}, asset_key=key
            )

    def check(
        self, table: str, name: str, passed: bool, severity: str, metadata: Mapping[str, Any]
    ) -> None:
        key = self.asset_key(table)
        log.info("check %s on %s: %s", name, table, "passed" if passed else "FAILED")
        if self.pipes is not None:  # a check step targets checks, not assets: always report
            self.pipes.report_asset_check(
                check_name=name,
                passed=passed,
                severity=severity,
                asset_key=key,
                metadata={k: _meta_value(v) for k, v in metadata.items()},
            )

    def custom(self, payload: Mapping[str, Any]) -> None:
        if self.pipes is not None:
            self.pipes.report_custom_message(json.loads(json.dumps(payload, default=str)))


def _launched_by_dagster() -> tuple[bool, Any | None]:
    env = dagster_pipes.PipesEnvVarParamsLoader()
    if env.is_dagster_pipes_process():
        return True, env
    cli = dagster_pipes.PipesCliArgsParamsLoader()
    if cli.is_dagster_pipes_process():
        return True, cli
    return False, None


@contextmanager
def reporter() -> Iterator[Reporter]:
    """Open Dagster Pipes if this process was launched by Dagster, else a logging reporter."""
    launched, params = _launched_by_dagster()
    if not launched:
        yield Reporter(None)
        return
    with dagster_pipes.open_dagster_pipes(params_loader=params) as pipes:
        yield Reporter(pipes)


def run_batch(
    app: str,
    args: argparse.Namespace,
    compute: Callable[[SparkSession], dict[str, Any]],
    report: Callable[[Reporter, dict[str, Any]], None],
    stop: Callable[[SparkSession], None] = SparkSession.stop,
) -> dict[str, Any]:
    """A batch job's frame: its session (catalog from ``args``), ``compute``, then ``report``
    (to Dagster through Pipes, or the log) and ``--result-json``; the session stopped last."""
    spark = build_session(app, catalog_config(args))
    try:
        with reporter() as pipes:
            result = compute(spark)
            report(pipes, result)
            write_result(args, result)
    finally:
        stop(spark)
    return result


def write_result(args: argparse.Namespace, result: Mapping[str, Any]) -> None:
    """Log the result and write it to ``--result-json`` when asked."""
    text = json.dumps(result, default=str, sort_keys=True)
    log.info("result %s", text)
    if args.result_json:
        Path(args.result_json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.result_json).write_text(text + "\n")
