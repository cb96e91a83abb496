"""Deletions and hidden revisions (issue 14): the redact stage's tables and its check.

Specs only: the medallion op (``defs/medallion.py``) runs the redact stage between silver and
the checks; its counts come back through Pipes (a custom message) and are recorded as the
materialization of ``silver/redactions``, the audit table. ``deleted_pages_redacted`` is
evaluated by the job after gold.
"""

import dagster as dg

from wikistream_dagster.contracts.checks import LAKE_CHECKS
from wikistream_dagster.contracts.tables_redact import (
    HIDDEN_REVISIONS,
    PAGE_STATE,
    REDACTIONS,
    RESULT_COUNTS,
)
from wikistream_dagster.defs.common import OWNERS, SILVER_KEY
from wikistream_dagster.defs.schemas import table_metadata

PAGE_STATE_KEY = dg.AssetKey(PAGE_STATE.name.split("."))
HIDDEN_REVISIONS_KEY = dg.AssetKey(HIDDEN_REVISIONS.name.split("."))
REDACTIONS_KEY = dg.AssetKey(REDACTIONS.name.split("."))
SHOWN = (*RESULT_COUNTS, "expire_by")

redaction_specs = [
    dg.AssetSpec(
        key,
        deps=[SILVER_KEY],
        group_name="silver",
        kinds={"iceberg"},
        owners=OWNERS,
        description=table.description
        + " Written by the medallion job's redact stage (after silver, before the checks).",
        metadata=table_metadata(table.name),
    )
    for key, table in (
        (PAGE_STATE_KEY, PAGE_STATE),
        (HIDDEN_REVISIONS_KEY, HIDDEN_REVISIONS),
        (REDACTIONS_KEY, REDACTIONS),
    )
]

lake_check_specs = [
    dg.AssetCheckSpec(c.name, asset=SILVER_KEY, blocking=c.blocking, description=c.description)
    for c in LAKE_CHECKS
]


def record_redaction(context, invocation) -> None:
    """The redact stage's counts (a Pipes custom message) as ``silver/redactions`` metadata."""
    messages = (
        invocation.get_custom_messages() if hasattr(invocation, "get_custom_messages") else []
    )
    for m in messages or []:
        if isinstance(m, dict) and "redact" in m:
            done = m["redact"]
            meta = {k: done[k] for k in SHOWN if done.get(k) is not None}
            meta["rows"] = dg.MetadataValue.json(done.get("rows") or {})
            meta["hours"] = ", ".join(done.get("hours") or []) or "none"
            meta["dagster_run_id"] = context.run.run_id
            context.instance.report_runless_asset_event(
                dg.AssetMaterialization(REDACTIONS_KEY, metadata=meta)
            )


defs = dg.Definitions(assets=redaction_specs)
