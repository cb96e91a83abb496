"""The values bronze relies on, and their limits: one definition for the producer and bronze.

Standard library only. It lives in ``producer_service`` because the producer's image ships that
package alone (``producer_service/Dockerfile``), while the Spark jobs run from the installed
``wikistream`` distribution, which holds both packages; importing it pulls in nothing else
(``producer_service/__init__.py`` is a docstring and a version).
"""

from __future__ import annotations

import re
from datetime import datetime

# Event time window: Wikipedia started on 2001-01-15, and a clock may run a little ahead.
EARLIEST_EVENT_SECONDS = 978_307_200  # 2001-01-01T00:00:00Z
EARLIEST_EVENT_ISO = "2001-01-01T00:00:00Z"
MAX_FUTURE_SECONDS = 86_400  # one day after "now"
WINDOW_TEXT = f"[{EARLIEST_EVENT_ISO}, now + {MAX_FUTURE_SECONDS // 3600} h]"

# The topics the producer writes and bronze reads.
RAW_TOPIC = "raw-events"
DLQ_TOPIC = "dlq-events"

# The recentchange event types (the producer dead-letters others; silver's type_known check and
# gold's per-type counts use the same list, in this order).
EVENT_TYPES = ("edit", "new", "log", "categorize", "external")

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # bronze's LONG columns
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1  # bronze's INT column: namespace

# Spark's JSON reader (Jackson 2.15 StreamReadConstraints) rejects a whole record nested
# deeper than 1000 levels or holding a number longer than 1000 characters; orjson reads both.
MAX_JSON_DEPTH = 64  # recentchange events nest 3 levels; log_params a few more
MAX_NUMBER_CHARS = 1000
_LONG_NUMBER = re.compile(rb"[:,\[]\s*-?[0-9][0-9.eE+-]{%d,}" % MAX_NUMBER_CHARS)

# meta.dt as both Python and Spark read it: RFC 3339 with a zone (Spark's zone offsets stop
# at 18 h, java.time.ZoneOffset's limit; Python accepts up to 24 h).
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-](0\d|1[0-7]):[0-5]\d|[+-]18:00)",
    re.ASCII,
)


def in_window(seconds: float, now: float) -> bool:
    """Whether an event time (Unix seconds) is plausible: from 2001 to one day after ``now``."""
    return EARLIEST_EVENT_SECONDS <= seconds <= now + MAX_FUTURE_SECONDS


def parse_dt(text: str) -> datetime | None:
    """``meta.dt`` as an aware datetime, or None unless it is RFC 3339 that Spark reads too."""
    if not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def json_depth_exceeds(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests objects/arrays deeper than ``limit`` levels."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def has_overlong_number(raw: bytes) -> bool:
    """Whether the raw JSON may hold a number too long for Spark (errs on the strict side)."""
    return _LONG_NUMBER.search(raw) is not None
