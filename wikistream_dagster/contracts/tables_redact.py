"""Deletions and hidden revisions as data (issue 14): page state, hidden revisions, the audit.

The redact stage of the medallion run (``spark_jobs/redact_batch.py``) maintains the first two
from the wikis' delete/suppress/move log events and appends one audit row per step to
``silver.redactions``. Titles are matched through ``title_key`` (SHA-256 of the title), so these
tables never hold the title of a deleted page: ``title`` is null while the page is deleted and
comes back only with an event that carries it again (a restore).
"""

from __future__ import annotations

from wikistream_dagster.contracts.schema import Table, columns

# What redaction empties: the free-text and identity fields, never ids, times or sizes (counts
# and the exactly-once checks keep holding).
# (``log_params`` holds a move's target title.)
PAGE_FIELDS = ("title", "comment", "user", "log_action_comment", "log_params")
BRONZE_ONLY_FIELDS = ("raw_json",)
# MediaWiki's revision-deletion bits (RevisionRecord::DELETED_*): what a hidden revision loses.
DELETED_TEXT, DELETED_COMMENT, DELETED_USER, DELETED_RESTRICTED = 1, 2, 4, 8
# A log entry's (LogPage::DELETED_*): bit 1 hides its action and target, 2 and 4 as above.
DELETED_ACTION = 1

_WIKI = ("wiki", "STRING", "The wiki's database name, lower-cased (partition column)")
_KEY = ("title_key", "STRING", "SHA-256 (hex) of the page title: how rows are matched")
_LOG = (
    ("log_event_id", "STRING", "Event id (meta.id) of the log event that set this state"),
    ("log_id", "BIGINT", "The wiki's log entry id of that event"),
)

# The title's newest deletion, kept when a restore flips ``deleted`` back: rows up to it stay
# redactable (a row from before the deletion can reach silver after the restore). Last in the
# table, so that a table of an earlier version gets them by ALTER TABLE ADD COLUMNS.
DELETION = (
    (
        "deleted_upto",
        "TIMESTAMP",
        "Event time of the title's newest deletion, kept after a restore: rows up to it stay "
        "redacted (null: never deleted)",
    ),
    ("deletion_event_id", "STRING", "Event id (meta.id) of that deletion's log event"),
    ("deletion_log_id", "BIGINT", "The wiki's log entry id of that deletion"),
)

PAGE_STATE = Table(
    "silver.page_state",
    "Per wiki and page title: deleted or not, since when and by which log event, and moves.",
    columns(
        _WIKI,
        _KEY,
        ("namespace", "INT", "MediaWiki namespace number of the page"),
        ("title", "STRING", "Page title; null while the page is deleted"),
        ("deleted", "BOOLEAN", "The page is deleted on its wiki (delete; a restore clears it)"),
        ("since", "TIMESTAMP", "Event time of the log event that set this state (UTC)"),
        *_LOG,
        ("log_action", "STRING", "delete, restore, move or move_redir"),
        ("moved_to_key", "STRING", "title_key of the page's new title after a move, else null"),
        ("updated_at", "TIMESTAMP", "When the redact stage wrote the row"),
        *DELETION,
    ),
    partitioning="wiki",
)

HIDDEN_REVISIONS = Table(
    "silver.hidden_revisions",
    "Revisions and log entries whose comment, user, content or action the wiki hid (revision "
    "deletion, log-entry deletion, suppression).",
    columns(
        _WIKI,
        (
            "revision_id",
            "BIGINT",
            "The hidden revision (revision_new of its edit event), or the hidden log entry's "
            "log_id when item_type is logging",
        ),
        _KEY,
        ("bitmask", "INT", "MediaWiki's nfield: 1 content, 2 comment, 4 user, 8 restricted"),
        ("hide_comment", "BOOLEAN", "The comment is hidden (bit 2)"),
        ("hide_user", "BOOLEAN", "The user name is hidden (bit 4)"),
        ("since", "TIMESTAMP", "Event time of the log event that set this visibility (UTC)"),
        *_LOG,
        ("log_type", "STRING", "delete (admins) or suppress (oversighters)"),
        ("updated_at", "TIMESTAMP", "When the redact stage wrote the row"),
        # Last, so that a table of an earlier version gets them by ALTER TABLE ADD COLUMNS.
        (
            "item_type",
            "STRING",
            "revision, or logging for a log entry (delete/event: MediaWiki's RevisionDelete "
            "type); null in rows of an earlier version: revision",
        ),
        (
            "hide_action",
            "BOOLEAN",
            "A log entry's action and target are hidden (LogPage::DELETED_ACTION, bit 1)",
        ),
    ),
    partitioning="wiki",
)

REDACTIONS = Table(
    "silver.redactions",
    "Audit: every redaction step (what table and hour, how many rows, why, which log event).",
    columns(
        ("applied_at", "TIMESTAMP", "When the step was committed (UTC); partitioned by its day"),
        ("run_id", "STRING", "The medallion run that applied it"),
        ("table_name", "STRING", "bronze/silver table updated, or silver.page_state"),
        ("event_date", "DATE", "UTC date of the hour partition updated (null: state only)"),
        ("event_hour", "INT", "UTC hour of the partition updated (null: state only)"),
        ("rows", "BIGINT", "Rows whose fields were emptied in that partition"),
        (
            "reason",
            "STRING",
            "page_deleted, late_arrival (a row of a deleted page that came later), "
            "revision_hidden, page_restored, page_moved, revision_unhidden, log_hidden, "
            "log_unhidden",
        ),
        ("fields", "STRING", "Columns set to null, comma-separated (empty for state changes)"),
        _WIKI[:2] + ("The wiki's database name",),
        _KEY,
        (
            "revision_ids",
            "STRING",
            "For hidden revisions (log entries): the revision (log) ids, comma-separated",
        ),
        *_LOG,
        ("snapshot_id", "BIGINT", "The table's snapshot that holds the redacted rows"),
        (
            "expire_by",
            "TIMESTAMP",
            "Older snapshots still hold the values: maintenance expires them by this time",
        ),
    ),
    partitioning="days(applied_at)",
)
