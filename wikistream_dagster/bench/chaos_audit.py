"""An independent record of what the source's stream contained, for the chaos run's accounting.

A second SSE client that reads the twin next to the producer and, on every reconnect, resumes
with ``?since=`` a minute before the newest event it holds, keeping each meta.id once in stream
order. Its rewind is far wider than any resume bug can skip, so the ids it holds are the stream:
an event in it but not in ``raw-events`` was lost even if the server never served it to the
producer (a resume that skips events leaves no trace in a served log). Only complete frames
count (a frame cut after ``id:`` or inside ``data:`` is re-read after the rewind).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from datetime import datetime

import orjson

log = logging.getLogger(__name__)
REWIND_MS = 5_000  # > whole seconds + disorder; < the events between two closes
READ_TIMEOUT_S = 30


class StreamAudit:
    """``start()`` it before the producer; ``ids`` (stream order) and ``payloads`` by id."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ids: list[str] = []
        self.payloads: dict[str, bytes] = {}
        self.connections = 0
        self.newest_ms = int(time.time() * 1000) - 5_000
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True, name="stream-audit")

    def start(self) -> StreamAudit:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(READ_TIMEOUT_S + 5)

    def snapshot(self) -> tuple[list[str], dict[str, bytes]]:
        with self._lock:
            return list(self.ids), dict(self.payloads)

    def _run(self) -> None:
        while not self._stop.is_set():
            since = self.newest_ms - REWIND_MS
            req = urllib.request.Request(
                f"{self.url}?since={since}",
                headers={"Accept": "text/event-stream", "User-Agent": "wikistream-chaos-audit"},
            )
            try:
                with urllib.request.urlopen(req, timeout=READ_TIMEOUT_S) as resp:
                    self.connections += 1
                    self._read(resp)
            except Exception as exc:  # noqa: BLE001 - e.g. IncompleteRead of a cut chunk: resume
                log.debug("audit: connection ended", extra={"error": repr(exc)})
            self._stop.wait(0.5)

    def _read(self, resp) -> None:
        data: list[bytes] = []
        while not self._stop.is_set():
            line = resp.readline()
            if not line.endswith(b"\n"):
                return  # end of stream, or a frame cut mid-line: re-read after the rewind
            line = line.rstrip(b"\r\n")
            if not line:
                if data:
                    self._event(b"\n".join(data))
                data = []
            elif line.startswith(b"data:"):
                data.append(line[5:].removeprefix(b" "))

    def _event(self, payload: bytes) -> None:
        try:
            obj = orjson.loads(payload)
            event_id = obj["meta"]["id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return
        if not isinstance(event_id, str):
            return
        with self._lock:
            if event_id not in self.payloads:
                self.payloads[event_id] = payload
                self.ids.append(event_id)
        try:
            ms = int(datetime.fromisoformat(obj["meta"]["dt"]).timestamp() * 1000)
            self.newest_ms = max(self.newest_ms, ms)
        except (KeyError, TypeError, ValueError):
            pass
