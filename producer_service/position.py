"""Where to resume: the SSE id of the last event Kafka acknowledged, with all before it."""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

import orjson


class PositionStore:
    """A small JSON file replaced atomically (write, fsync, rename, fsync dir)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "position.json"
        state_dir.mkdir(parents=True, exist_ok=True)

    def load(self) -> str | None:
        return self.load_record().get("last_event_id")

    def load_record(self) -> dict:
        """The saved record (``last_event_id``, ``received_at``, ...); {} when none is saved."""
        try:
            record = orjson.loads(self.path.read_bytes())
            record.get("last_event_id")
            return record
        except FileNotFoundError:
            return {}
        except (orjson.JSONDecodeError, AttributeError) as exc:
            raise RuntimeError(
                f"resume position {self.path} is corrupt ({exc}): delete it to start live, "
                "or restart with --since"
            ) from exc

    def save(self, last_event_id: str, **info) -> None:
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(orjson.dumps({"last_event_id": last_event_id, **info}))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class AckTracker:
    """Tracks events in receive order; ``committed_id`` only moves past fully acked prefixes.

    Kafka acknowledges partitions independently, so acks arrive out of order. An event's SSE id
    may be saved only once it and every event received before it are done. Events added with
    ``sse_id=None`` (re-sent duplicates, cut frames) never move the position.
    """

    def __init__(self) -> None:
        self._base = 0
        self._done: deque[bool] = deque()
        self._ids: deque[tuple[str, float] | None] = deque()
        self.committed_id: str | None = None
        self.committed_at: float | None = None  # when the committed event was received
        self.committed_count = 0

    def add(self, sse_id: str | None, received_at: float = 0.0) -> int:
        self._done.append(False)
        self._ids.append(None if sse_id is None else (sse_id, received_at))
        return self._base + len(self._done) - 1

    def done(self, seq: int) -> None:
        self._done[seq - self._base] = True
        while self._done and self._done[0]:
            self._done.popleft()
            entry = self._ids.popleft()
            self._base += 1
            self.committed_count += 1
            if entry is not None:
                self.committed_id, self.committed_at = entry

    @property
    def pending(self) -> int:
        return len(self._done)
