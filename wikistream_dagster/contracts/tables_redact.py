"""Deletions and hidden revisions (issue 14): what redaction empties, and its three tables.

The redact stage of the medallion run (``spark_jobs/redact_batch.py``) maintains
``silver.page_state`` and ``silver.hidden_revisions`` from the wikis' delete/suppress/move log
events and appends one audit row per step to ``silver.redactions``; their columns are in
``contracts/tables.toml``.
"""

from __future__ import annotations

from wikistream_dagster.contracts.tables import (
    HIDDEN_REVISIONS_TABLE,
    PAGE_STATE_TABLE,
    REDACTIONS_TABLE,
    table,
)

# What redaction empties: the free-text and identity fields, never ids, times or sizes (counts
# and the exactly-once checks keep holding). (``log_params`` holds a move's target title.)
PAGE_FIELDS = ("title", "comment", "user", "log_action_comment", "log_params")
BRONZE_ONLY_FIELDS = ("raw_json",)
# MediaWiki's revision-deletion bits (RevisionRecord::DELETED_*): what a hidden revision loses.
DELETED_TEXT, DELETED_COMMENT, DELETED_USER, DELETED_RESTRICTED = 1, 2, 4, 8
# A log entry's (LogPage::DELETED_*): bit 1 hides its action and target, 2 and 4 as above.
DELETED_ACTION = 1

PAGE_STATE, HIDDEN_REVISIONS, REDACTIONS = (
    table(name) for name in (PAGE_STATE_TABLE, HIDDEN_REVISIONS_TABLE, REDACTIONS_TABLE)
)

# The redact stage's counts: reported by the Spark job, shown by Dagster on silver/redactions.
RESULT_COUNTS = (
    "events",
    "pages_deleted",
    "pages_restored",
    "revisions_hidden",
    "log_entries_hidden",
    "late_rows",
    "audit_rows",
)
