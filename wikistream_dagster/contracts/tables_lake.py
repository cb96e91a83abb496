"""Bronze, silver, the quality history and the quarantine as data (see ``contracts/schema.py``).

The descriptions say what each column holds; Dagster shows them in each asset's column list.
"""

from __future__ import annotations

from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.contracts.schema import Table, columns

_ID = ("event_id", "STRING", "Event id (meta.id, a UUID): one row per id")
_TIME = (
    "event_time",
    "TIMESTAMP",
    "When the change happened (UTC): the event's timestamp (seconds), else meta.dt",
)
_DATE = ("event_date", "DATE", "UTC date of event_time (partition column)")
_HOUR = ("event_hour", "INT", "UTC hour of event_time, 0-23 (partition column)")
_NAMESPACE = (
    "namespace",
    "INT",
    "MediaWiki namespace number of the page (0 = articles); null if beyond 32 bits",
)
_REVS_AND_SIZES = (
    ("rc_id", "BIGINT", "Recent-changes id of the change on its wiki (the event's id)"),
    ("revision_old", "BIGINT", "Revision id before an edit (null for creations and logs)"),
    ("revision_new", "BIGINT", "Revision id an edit or page creation made"),
    ("length_old", "BIGINT", "Page size in bytes before the change"),
    ("length_new", "BIGINT", "Page size in bytes after the change"),
)
_COMMENT = ("comment", "STRING", "Edit summary as the editor wrote it (wikitext)")
_LOG = (
    ("log_id", "BIGINT", "Log entry id (log events only)"),
    ("log_type", "STRING", "Log type, e.g. delete, block, upload (log events only)"),
    ("log_action", "STRING", "Action within the log type, e.g. delete, restore, overwrite"),
    ("log_params", "STRING", "The log entry's parameters as JSON text (object, array or string)"),
    ("log_action_comment", "STRING", "The log entry's text as the wiki shows it"),
)

BRONZE = Table(
    "bronze.wiki_events",
    "Every valid event exactly once (MERGE on meta.id), typed, with its raw JSON and Kafka "
    "position.",
    columns(
        _ID,
        _TIME,
        _DATE,
        _HOUR,
        ("meta_dt", "TIMESTAMP", "When EventStreams emitted the event (meta.dt, UTC)"),
        (
            "schema_uri",
            "STRING",
            "The event's JSON schema: $schema (current envelope) or meta.schema_uri (2018)",
        ),
        ("stream", "STRING", "EventStreams stream (meta.stream, or meta.topic in 2018 events)"),
        ("domain", "STRING", "The wiki's host name (meta.domain), e.g. en.wikipedia.org"),
        ("wiki", "STRING", "The wiki's database name, e.g. enwiki, wikidatawiki"),
        ("type", "STRING", "Kind of change: edit, new, log, categorize or external"),
        _NAMESPACE,
        ("title", "STRING", "Page title, with its namespace prefix"),
        ("user", "STRING", "Editor's user name; an IP or temporary account when logged out"),
        ("bot", "BOOLEAN", "The editor has the bot flag"),
        ("minor", "BOOLEAN", "The editor marked the edit as minor"),
        ("patrolled", "BOOLEAN", "The change is patrolled; null when the wiki does not patrol"),
        *_REVS_AND_SIZES,
        _COMMENT,
        ("server_name", "STRING", "Host name of the wiki's server (server_name)"),
        *_LOG,
        ("raw_json", "STRING", "The Kafka record's value as received: the whole event JSON"),
        ("kafka_topic", "STRING", "Kafka topic the record was read from (raw-events)"),
        ("kafka_partition", "INT", "Kafka partition of the record"),
        ("kafka_offset", "BIGINT", "Kafka offset of the record in its partition"),
        ("kafka_timestamp", "TIMESTAMP", "Kafka record time: when the producer wrote it"),
        ("ingest_time", "TIMESTAMP", "When the bronze micro-batch processed the record"),
        ("batch_id", "BIGINT", "Structured Streaming micro-batch that wrote the row"),
    ),
    # Bronze batches touch an hour or two: write them as they come (fanout writer), no shuffle.
    properties={"write.distribution-mode": "none", "write.spark.fanout.enabled": "true"},
)

SILVER = Table(
    "silver.wiki_events_cleaned",
    "Bronze events deduplicated and normalised, with editor flags and the byte delta.",
    columns(
        ("event_id", "STRING", "Event id (meta.id): unique in silver, the first copy ingested"),
        _TIME,
        _DATE,
        _HOUR,
        ("wiki", "STRING", "The wiki's database name, lower-cased, e.g. enwiki"),
        ("domain", "STRING", "The wiki's host name (meta.domain, else server_name), lower-case"),
        (
            "stream",
            "STRING",
            "Stream name without a datacenter prefix; mediawiki.recentchange when absent",
        ),
        ("envelope", "STRING", "current ($schema envelope) or legacy (2018 meta.schema_uri)"),
        ("type", "STRING", "Kind of change, lower-cased: edit, new, log, categorize, external"),
        _NAMESPACE,
        ("title", "STRING", "Page title with its namespace prefix; null when blank"),
        ("user", "STRING", "Editor's user name, IP or temporary account; null when blank"),
        ("is_bot", "BOOLEAN", "The editor has the bot flag (false when absent)"),
        (
            "is_anonymous",
            "BOOLEAN",
            "Logged-out editor: an IPv4/IPv6 address or a temporary account (~2025-...)",
        ),
        ("is_minor", "BOOLEAN", "Marked as a minor edit (false when absent)"),
        ("is_patrolled", "BOOLEAN", "Patrolled; null when the wiki does not patrol"),
        *_REVS_AND_SIZES,
        (
            "byte_delta",
            "BIGINT",
            "length_new - length_old (old = 0 for creations); null unless an edit or creation",
        ),
        _COMMENT,
        *_LOG,
        ("emitted_at", "TIMESTAMP", "When EventStreams emitted the event (bronze meta_dt)"),
        ("bronze_ingest_time", "TIMESTAMP", "When bronze ingested the event (its ingest_time)"),
        ("processed_at", "TIMESTAMP", "When the silver run wrote the row"),
    ),
)

QUALITY_HISTORY = Table(
    "silver.quality_history",
    "One row per Deequ check per quality run.",
    columns(
        ("run_id", "STRING", "The quality run (the medallion run's id)"),
        ("checked_at", "TIMESTAMP", "When the checks ran (UTC); partitioned by its day"),
        ("scope", "STRING", "The silver hours checked, e.g. 2018-03-07T16,2018-03-07T17"),
        ("rows", "BIGINT", "Silver rows checked (released and dropped rows are not)"),
        ("check_name", "STRING", "The check (asset check name, contracts/checks.py)"),
        ("constraint", "STRING", "What the check requires (its description)"),
        ("status", "STRING", "passed or failed"),
        ("blocking", "BOOLEAN", "A failure stops gold and quarantines the violating rows"),
        ("metric_value", "DOUBLE", "The Deequ metric, e.g. the share of rows that comply"),
        ("message", "STRING", "Deequ's message on failure (empty when passed)"),
    ),
    partitioning="days(checked_at)",
)

# One row per (silver row, broken rule); see spark_jobs/quarantine.py.
QUARANTINE_TABLE = Table(
    QUARANTINE,
    "Silver rows that broke a blocking check, waiting for an operator (release or drop).",
    columns(
        ("event_id", "STRING", "Event id of the quarantined silver row; null for an hour marker"),
        ("event_date", "DATE", "UTC date of the row's hour (partition column)"),
        ("event_hour", "INT", "UTC hour of the row, 0-23; the hour is held while status is held"),
        ("rule", "STRING", "The blocking check the row breaks"),
        ("run_id", "STRING", "The quality run that found it"),
        ("status", "STRING", "held, released or dropped"),
        (
            "row_hash",
            "STRING",
            "SHA-256 of the row without processed_at: the same across rebuilds; null for a marker",
        ),
        ("copy_no", "INT", "Which of identical copies of the row this is (1 = first)"),
        ("row_json", "STRING", "The silver row as JSON, as it was when quarantined"),
        ("quarantined_at", "TIMESTAMP", "When the row was quarantined"),
        ("resolved_at", "TIMESTAMP", "When an operator released or dropped it; null while held"),
        ("resolved_run_id", "STRING", "The release or drop that resolved it; null while held"),
    ),
    partitioning="event_date",
)
