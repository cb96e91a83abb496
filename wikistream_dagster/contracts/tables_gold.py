"""The gold tables as data (see ``contracts/schema.py``): per wiki and hour analytics."""

from __future__ import annotations

from wikistream_dagster.contracts.schema import Table, columns

_WIKI = ("wiki", "STRING", "The wiki's database name, e.g. enwiki")
_DATE = ("event_date", "DATE", "UTC date of the hour (partition column)")
_HOUR = ("event_hour", "INT", "UTC hour, 0-23 (partition column)")
_HOUR_START = ("hour_start", "TIMESTAMP", "Start of the hour (UTC)")
_ENTITY = (
    ("entity_type", "STRING", "page (a title) or editor (a user name)"),
    ("entity", "STRING", "The page title or the user name"),
    ("events", "BIGINT", "The entity's events in the hour"),
)
_COMPUTED = ("computed_at", "TIMESTAMP", "When the gold run computed the row")

# A gold run writes a few small hours per table: rows go to their files as they come (fanout
# writer); the default hash distribution would add a shuffle to every table's write and buy
# nothing at this size (measured: about a third of a gold run's time).
_WRITE = {"write.distribution-mode": "none", "write.spark.fanout.enabled": "true"}

HOURLY_STATS = Table(
    "gold.hourly_edit_stats",
    "Per wiki and hour: volumes, editor mix and byte deltas.",
    columns(
        _WIKI,
        _DATE,
        _HOUR,
        _HOUR_START,
        ("events", "BIGINT", "Events in the hour, every type"),
        (
            "events_by_type",
            "MAP<STRING, BIGINT>",
            "Events per type (edit, new, log, categorize, external, other); zeros left out",
        ),
        ("edits", "BIGINT", "Edits of existing pages (type edit)"),
        ("new_pages", "BIGINT", "Page creations (type new)"),
        ("log_events", "BIGINT", "Log events (type log)"),
        ("distinct_editors", "BIGINT", "Distinct user names active in the hour"),
        ("bot_events", "BIGINT", "Events by bot-flagged editors"),
        ("bot_share", "DOUBLE", "bot_events / events"),
        ("anonymous_events", "BIGINT", "Events by logged-out editors (IP or temporary account)"),
        ("anonymous_share", "DOUBLE", "anonymous_events / events"),
        ("bytes_added", "BIGINT", "Sum of the positive byte deltas (edits and creations)"),
        ("bytes_removed", "BIGINT", "Sum of the negative byte deltas, as a positive number"),
        ("mean_abs_byte_delta", "DOUBLE", "Mean absolute byte delta of edits and creations"),
        (
            "p95_abs_byte_delta",
            "DOUBLE",
            "95th percentile of the absolute byte delta of edits and creations",
        ),
        _COMPUTED,
    ),
    properties=_WRITE,
)

ENTITY_TRENDS = Table(
    "gold.entity_trends",
    "Pages and editors unusually active in an hour against their own trailing 24 hours.",
    columns(
        _WIKI,
        _DATE,
        _HOUR,
        _HOUR_START,
        *_ENTITY,
        (
            "baseline_mean",
            "DOUBLE",
            "The entity's mean events per hour over the 24 hours before (idle hours count 0)",
        ),
        ("baseline_std", "DOUBLE", "Standard deviation of those hourly counts"),
        (
            "baseline_hours",
            "INT",
            "Hours of that window in which the wiki had any activity (history available)",
        ),
        (
            "score",
            "DOUBLE",
            "(events - mean) / sqrt(var + mean + 1); kept from 3.0 with at least 3 events",
        ),
        ("rank", "INT", "Rank by score within wiki, hour and entity type (top 50 kept)"),
        _COMPUTED,
    ),
    properties=_WRITE,
)

# Per-entity counts of each hour: the trends' baseline, read instead of 24 hours of silver.
ENTITY_HOURLY = Table(
    "gold.entity_hourly",
    "Events per wiki, hour and entity (page or editor): the trends' baseline.",
    columns(_WIKI, _DATE, _HOUR, *_ENTITY),
    properties=_WRITE,
)

RISK_SCORES = Table(
    "gold.risk_scores",
    "Every edit and page creation with its vandalism/anomaly risk and the reasons.",
    columns(
        ("event_id", "STRING", "Event id (meta.id) of the edit"),
        ("event_time", "TIMESTAMP", "When the edit happened (UTC)"),
        _DATE,
        _HOUR,
        _WIKI,
        ("type", "STRING", "edit or new (page creation)"),
        ("title", "STRING", "Page title"),
        ("user", "STRING", "Editor's user name, IP or temporary account"),
        ("is_bot", "BOOLEAN", "The editor has the bot flag (risk x 0.2)"),
        ("is_anonymous", "BOOLEAN", "Logged-out editor (IP or temporary account)"),
        ("byte_delta", "BIGINT", "Bytes added (positive) or removed (negative)"),
        ("comment", "STRING", "Edit summary"),
        (
            "risk_score",
            "DOUBLE",
            "Risk 0-1: 1 - prod(1 - weight) over the signals that fired (x 0.2 for bots)",
        ),
        (
            "reasons",
            "ARRAY<STRING>",
            "Signals that fired: anonymous_editor, blanking, large_removal, edit_war, ...",
        ),
        _COMPUTED,
    ),
    properties=_WRITE,
)

EDITOR_RISK = Table(
    "gold.editor_risk",
    "Per wiki, hour and editor: how risky their edits were.",
    columns(
        _WIKI,
        _DATE,
        _HOUR,
        ("user", "STRING", "Editor's user name, IP or temporary account"),
        ("is_bot", "BOOLEAN", "Any of the editor's edits in the hour was bot-flagged"),
        ("is_anonymous", "BOOLEAN", "Logged-out editor (IP or temporary account)"),
        ("edits", "BIGINT", "Edits and page creations by the editor in the hour"),
        ("mean_risk", "DOUBLE", "Mean risk_score of those edits"),
        ("max_risk", "DOUBLE", "Highest risk_score of those edits"),
        ("risky_edits", "BIGINT", "Edits with risk_score of 0.5 or more"),
        ("reasons", "ARRAY<STRING>", "Every reason that fired on the editor's edits, sorted"),
        _COMPUTED,
    ),
    properties=_WRITE,
)
