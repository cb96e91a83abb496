"""``dlq redrive``: send dead letters whose cause is fixed back to ``raw-events``.

Each selected record with a complete payload is judged again by the producer's own
``events.classify`` (today's rules), so a record passes only once what rejected it has changed,
e.g. a limit was raised. Those that pass go to ``raw-events`` byte-for-byte, keyed by their
meta.id like the producer's records; the rest are reported with their new verdict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from producer_service import events
from producer_service.kafka_sink import KafkaSink
from producer_service.sse_parser import Frame
from wikistream_dagster.dlq.envelope import DeadLetter, Selection

NOTE = "re-driving twice is harmless: bronze MERGEs on the event id, so a repeat adds no row"
BRONZE_NOTE = (
    "records bronze dead-lettered pass the producer's rules; bronze dead-letters them again "
    "unless its own rules now accept them"
)

Send = Callable[[bytes, bytes], None]  # (key, value) -> produce to raw-events


@dataclass
class RedriveResult:
    """What one re-drive did (or, dry run, would do) with the selected dead letters."""

    dlq_topic: str
    raw_topic: str
    dry_run: bool
    records: int = 0
    selected: int = 0
    redriven: int = 0  # acknowledged by Kafka (dry run: would be sent)
    redriven_by_writer: Counter = field(default_factory=Counter)
    duplicates: int = 0  # a meta.id already re-driven earlier in this run
    still_invalid: Counter = field(default_factory=Counter)  # new reason -> records
    filtered: Counter = field(default_factory=Counter)  # e.g. canary: never goes to raw-events
    skipped: Counter = field(default_factory=Counter)  # truncated / undecodable -> records
    rejected: list[dict] = field(default_factory=list)  # the first few, with the new verdict

    def to_json(self) -> dict:
        """Every field in its order (counters as plain dicts), then the note."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        plain = {k: dict(v) if isinstance(v, Counter) else v for k, v in values.items()}
        return plain | {"note": NOTE}


def redrive(
    letters: Iterable[DeadLetter],
    result: RedriveResult,
    selection: Selection,
    max_event_bytes: int,
    send: Send | None,
    examples: int = 20,
) -> RedriveResult:
    """Judge every selected dead letter again; ``send`` those that pass (None: dry run).

    ``result.redriven`` counts what was handed to ``send``; the caller replaces it with the
    acknowledged count once the producer is flushed.
    """
    sent: set[bytes] = set()
    for letter in letters:
        result.records += 1
        if not selection.matches(letter):
            continue
        result.selected += 1
        data, why = letter.payload()
        if data is None:
            result.skipped[why] += 1
            continue
        frame = Frame(letter.sse_event, data, None, len(data))
        verdict, _ = events.classify(frame, max_event_bytes)
        if verdict.action == "raw":
            if verdict.key in sent:
                result.duplicates += 1
                continue
            sent.add(verdict.key)
            if send is not None:
                send(verdict.key, data)
            result.redriven += 1
            result.redriven_by_writer[letter.writer] += 1
            continue
        (result.filtered if verdict.action == "filter" else result.still_invalid)[
            verdict.reason
        ] += 1
        if len(result.rejected) < examples:
            result.rejected.append(
                {
                    **{k: v for k, v in letter.summary().items() if k != "detail"},
                    "was": f"{letter.reason}: {letter.detail}"[:200],
                    "verdict": verdict.action,  # dlq: still invalid; filter: e.g. canary
                    "now": f"{verdict.reason}: {verdict.detail}"[:200],
                }
            )
    return result


def producer_config(bootstrap: str, client_conf: dict[str, Any] | None = None) -> dict[str, Any]:
    """Durable like the producer's own: acks=all and idempotence."""
    return {
        "bootstrap.servers": bootstrap,
        "client.id": "wikistream-dlq-redrive",
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 25,
        "compression.type": "lz4",
        "message.max.bytes": 2 * 1024 * 1024,
        **(client_conf or {}),
    }


class RawSender:
    """Produces re-driven records and counts acknowledgements (``KafkaSink`` does the retries)."""

    def __init__(self, conf: dict[str, Any], topic: str, factory: Callable | None = None):
        self.sink = KafkaSink(conf, factory)
        self.topic = topic
        self.acked = 0
        self.errors: list[str] = []

    def send(self, key: bytes, value: bytes) -> None:
        self.sink.produce(self.topic, key, value, self._delivered)

    def _delivered(self, err, _msg) -> None:
        if err is None:
            self.acked += 1
        else:
            self.errors.append(str(err))

    def finish(self, timeout: float = 60.0) -> int:
        """Flush; the acknowledged count, or an error that says what to do."""
        remaining = self.sink.flush(timeout)
        if remaining or self.errors:
            first = self.errors[0] if self.errors else f"{remaining} still in flight"
            raise RuntimeError(
                f"{len(self.errors) + remaining} re-driven records were not acknowledged by "
                f"Kafka ({first}); {self.acked} were. Nothing is lost: the dead letters stay "
                f"in place; fix the broker and run the re-drive again ({NOTE})"
            )
        return self.acked
