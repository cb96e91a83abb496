"""The data-quality checks on silver rows: one registry for Dagster and the Deequ evaluation.

Each rule's ``name`` is the asset check Dagster shows and the Deequ ``Check`` the quality job
runs (``spark_jobs/transforms/quality.py`` turns a rule into Deequ calls; Dagster reads the
names, descriptions and blocking flags from here without importing pyspark or pydeequ).
Blocking rules (Deequ level Error) fail the run and stop gold; the rows that break a blocking
rule go to ``silver.quarantine`` (``spark_jobs/quarantine.py``), selected by the rule's
``row_ok`` SQL, the same string Deequ measures, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

# The producer's list (stdlib only, like this package): one definition for every side.
from producer_service.event_limits import EVENT_TYPES as KNOWN_TYPES

FUTURE_TOLERANCE = "INTERVAL 10 MINUTES"

# The first label of the domain (the second after "www.") starts the wiki id:
# en.wikipedia.org -> enwiki, www.wikidata.org -> wikidatawiki, zh-min-nan... -> zh_min_nanwiki.
_DOMAIN_KEY = (
    "replace(CASE WHEN split(domain, '[.]')[0] = 'www' THEN split(domain, '[.]')[1] "
    "ELSE split(domain, '[.]')[0] END, '-', '_')"
)

COMPLETE, UNIQUE, SATISFIES, SIZE = "complete", "unique", "satisfies", "size"


@dataclass(frozen=True)
class Constraint:
    """One data-quality rule and its parameters.

    ``kind`` is the Deequ rule: ``complete`` (``column`` is never null), ``unique``
    (``column`` has no repeated value), ``satisfies`` (at least ``at_least`` of the rows
    satisfy the SQL ``condition``) or ``size`` (at least ``min_rows`` rows: aggregate-only).
    """

    name: str
    description: str
    blocking: bool
    kind: str
    column: str | None = None
    condition: str | None = None
    at_least: float = 1.0
    min_rows: int = 0

    @property
    def row_ok(self) -> str | None:
        """SQL a good row satisfies, when the rule is one a single row can break."""
        if self.kind == COMPLETE:
            return f"{self.column} IS NOT NULL"
        if self.kind == SATISFIES and self.at_least == 1.0:
            return self.condition
        return None

    @property
    def unique_key(self) -> str | None:
        """For a uniqueness rule, the key whose extra copies break it."""
        return self.column if self.kind == UNIQUE else None

    @property
    def row_level(self) -> bool:
        """False for an aggregate-only rule: its failure holds whole hours."""
        return self.row_ok is not None or self.unique_key is not None


def complete(name: str, column: str, description: str, blocking: bool) -> Constraint:
    """Deequ completeness: the share of rows where ``column`` is not null."""
    return Constraint(name, description, blocking, COMPLETE, column=column)


def unique(name: str, column: str, description: str, blocking: bool) -> Constraint:
    """Deequ uniqueness; the violating rows are every copy of a key after its first."""
    return Constraint(name, description, blocking, UNIQUE, column=column)


def satisfies(
    name: str, condition: str, description: str, blocking: bool, at_least: float = 1.0
) -> Constraint:
    """Deequ compliance with ``condition``; a row rule only when every row must comply."""
    return Constraint(
        name, description, blocking, SATISFIES, condition=condition, at_least=at_least
    )


def size_at_least(name: str, min_rows: int, description: str, blocking: bool) -> Constraint:
    """Deequ ``hasSize``: at least ``min_rows`` rows (no single row breaks it)."""
    return Constraint(name, description, blocking, SIZE, min_rows=min_rows)


def contained_in(
    name: str, column: str, values: tuple[str, ...], description: str, blocking: bool
) -> Constraint:
    """Deequ's ``isContainedIn`` as the compliance it is (nulls allowed), with its SQL shared."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return satisfies(name, f"{column} IS NULL OR {column} IN ({allowed})", description, blocking)


CONSTRAINTS: tuple[Constraint, ...] = (
    complete("event_id_complete", "event_id", "every row has an event id", True),
    complete("event_time_complete", "event_time", "every row has an event time", True),
    unique("event_id_unique", "event_id", "event ids are unique", True),
    complete("wiki_complete", "wiki", "every row names its wiki", True),
    contained_in(
        "type_known", "type", KNOWN_TYPES, f"type is one of {', '.join(KNOWN_TYPES)}", True
    ),
    satisfies(
        "event_time_not_future",
        f"event_time <= current_timestamp() + {FUTURE_TOLERANCE}",
        "event time at most 10 minutes in the future",
        True,
    ),
    satisfies(
        "event_time_plausible",
        "event_time >= TIMESTAMP'2001-01-15'",
        "event time after Wikipedia's launch (2001-01-15)",
        False,
    ),
    satisfies(
        "namespace_in_range",
        "namespace IS NULL OR namespace BETWEEN -2 AND 15000",
        "namespace between -2 and 15000",
        False,
    ),
    satisfies(
        "title_length",
        "title IS NULL OR char_length(title) <= 255",
        "title at most 255 characters",
        False,
    ),
    satisfies(
        "user_length",
        "user IS NULL OR char_length(user) <= 255",
        "user name at most 255 characters",
        False,
    ),
    satisfies(
        "comment_length",
        "comment IS NULL OR char_length(comment) <= 1000",
        "comment at most 1000 characters",
        False,
    ),
    satisfies(
        "byte_delta_plausible",
        "byte_delta IS NULL OR abs(byte_delta) <= 4194304",
        "byte delta within a page's maximum size (4 MiB)",
        False,
    ),
    satisfies(
        "revision_ids_increase",
        "type <> 'edit' OR revision_new > coalesce(revision_old, 0)",
        "an edit's new revision id is above the old one",
        False,
    ),
    satisfies(
        "wiki_domain_consistent",
        f"domain IS NULL OR wiki LIKE concat({_DOMAIN_KEY}, '%')",
        "wiki id matches the domain (>= 99% of rows)",
        False,
        0.99,
    ),
)

BY_NAME: dict[str, Constraint] = {c.name: c for c in CONSTRAINTS}


@dataclass(frozen=True)
class LakeCheck:
    """A check on the lake that is not a Deequ rule (the Spark job computes it itself)."""

    name: str
    description: str
    blocking: bool


# Issue 14: evaluated by the medallion job after gold (spark_jobs/redact_check.py).
DELETED_PAGES_REDACTED = LakeCheck(
    "deleted_pages_redacted",
    "no title, comment or user name of a deleted page or hidden revision is left in silver or "
    "gold for the hours processed",
    False,
)
LAKE_CHECKS: tuple[LakeCheck, ...] = (DELETED_PAGES_REDACTED,)
