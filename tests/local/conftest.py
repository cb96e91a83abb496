"""Fixtures for the replay server and recorder tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from wikistream_dagster.local.replay import ReplayServerThread, default_recording


def expected_id_times(lines: list[bytes]) -> list[int]:
    """Reference id times computed independently: running max of meta.dt in ms."""
    import orjson

    out, cur = [], None
    for line in lines:
        ms = int(datetime.fromisoformat(orjson.loads(line)["meta"]["dt"]).timestamp() * 1000)
        cur = ms if cur is None else max(cur, ms)
        out.append(cur)
    return out


@pytest.fixture(scope="session")
def recording() -> Path:
    return default_recording()


@pytest.fixture(scope="session")
def lines(recording: Path) -> list[bytes]:
    return [line for line in recording.read_bytes().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def ref_id_times(lines: list[bytes]) -> list[int]:
    return expected_id_times(lines)


@pytest.fixture(scope="module")
def fast_server(recording: Path):
    """The whole bundled recording, as fast as possible, no loop, no disconnects."""
    with ReplayServerThread(recording, speed=0) as srv:
        yield srv
