"""Pipes messages read from the file the Spark job appends to, one JSON message per line.

Seen in CI (2026-12-02, tests/integration/test_redact_e2e.py): Dagster's file reader
(``dagster._utils.tail_file``) handed a line the job had only half written to ``json.loads``
(``Unterminated string``); its reader thread died, the rest of the job's messages were dropped
and the step failed for want of its outputs although the job succeeded. Here the job's side
writes a message in two parts with a pause between them, as a large write reaches the file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg
from dagster_pipes import PipesDefaultMessageWriter

from wikistream_dagster.resources.pipes_reader import LineSafeMessageReader


class Handler:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.errors: list[str] = []

    def handle_message(self, message: dict) -> None:
        self.messages.append(message)

    def report_pipes_framework_exception(self, origin: str, exc_info) -> None:
        self.errors.append(f"{origin}: {exc_info[1]!r}")


def _messages(n: int) -> list[dict]:
    return [
        {"__dagster_pipes_version": "0.1", "method": "log", "params": {"message": f"{i}" * 900}}
        for i in range(n)
    ]


def _write_in_halves(path: Path, messages: list[dict]) -> None:
    with open(path, "a", encoding="utf-8") as out:
        for message in messages:
            line = json.dumps(message) + "\n"
            out.write(line[:500])
            out.flush()
            time.sleep(0.1)  # the reader polls every 10 ms: it sees the half line
            out.write(line[500:])
            out.flush()


def _read(reader: dg.PipesMessageReader, messages: list[dict]) -> Handler:
    handler = Handler()
    with reader.read_messages(handler) as params:
        _write_in_halves(Path(params[PipesDefaultMessageWriter.FILE_PATH_KEY]), messages)
        time.sleep(0.1)
    return handler


def test_a_message_written_in_parts_is_read_whole():
    sent = _messages(3)
    handler = _read(LineSafeMessageReader(), sent)
    assert handler.errors == []
    assert handler.messages == sent


def test_a_last_line_cut_off_is_reported_not_dropped(tmp_path):
    handler = Handler()
    reader = LineSafeMessageReader()
    with reader.read_messages(handler) as params:
        path = Path(params[PipesDefaultMessageWriter.FILE_PATH_KEY])
        path.write_text(json.dumps(_messages(1)[0]) + "\n" + '{"method": "lo')
        time.sleep(0.1)
    assert handler.messages == _messages(1)
    assert len(handler.errors) == 1 and "cut off" in handler.errors[0], handler.errors
