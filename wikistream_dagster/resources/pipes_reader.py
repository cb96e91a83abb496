"""The local Spark jobs' Pipes messages, read only as whole lines.

The job (``dagster_pipes``' default file writer) appends one JSON message per line to a file that
a reader thread tails. Dagster's reader (``PipesFileMessageReader``, via
``dagster._utils.tail_file``) hands whatever ``readline`` returns to ``json.loads``, also a line
the job has only half written: the thread dies on the ``JSONDecodeError``, every later message
(materializations, check results) is lost and the step fails although the job succeeded (seen in
CI, 2026-12-02). This reader keeps a partial line until its newline arrives; a line still cut off
when the job has ended is reported as the framework error it is.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Event, Thread

import dagster as dg
from dagster_pipes import PipesDefaultMessageWriter

POLL_S = 0.01  # as Dagster's tail_file


class LineSafeMessageReader(dg.PipesMessageReader):
    """``PipesTempFileMessageReader``'s protocol (a temporary file, one message per line)."""

    def __init__(self, include_stdio_in_messages: bool = False) -> None:
        self._include_stdio = include_stdio_in_messages

    @contextmanager
    def read_messages(self, handler) -> Iterator[dict]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "messages"
            path.touch()
            ended = Event()
            thread = Thread(target=self._read, args=(path, handler, ended), daemon=True)
            thread.start()
            try:
                yield {
                    PipesDefaultMessageWriter.FILE_PATH_KEY: str(path),
                    PipesDefaultMessageWriter.INCLUDE_STDIO_IN_MESSAGES_KEY: self._include_stdio,
                }
            finally:
                ended.set()
                thread.join()

    def _read(self, path: Path, handler, ended: Event) -> None:
        pending = ""
        try:
            with open(path, encoding="utf-8") as messages:
                while True:
                    part = messages.readline()
                    if part:
                        pending += part
                        if pending.endswith("\n"):
                            handler.handle_message(json.loads(pending))
                            pending = ""
                    elif ended.is_set():
                        break
                    else:
                        time.sleep(POLL_S)
            if pending:
                raise ValueError(
                    f"the job's last Pipes message was cut off ({len(pending)} characters, no "
                    f"newline): the job ended while writing it; its log says why: {pending[:200]}"
                )
        except Exception:
            origin = f"{type(self).__name__} reader thread"
            handler.report_pipes_framework_exception(origin, sys.exc_info())

    def no_messages_debug_text(self) -> str:
        return "Attempted to read messages from a temporary file the Spark job appends to."
