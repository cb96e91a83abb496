"""Server-alone throughput of the replay server: ``./wikistream bench replay [--json]``.

The server runs in its own process (as in the producer benchmark); this process reads raw bytes
with aiohttp as fast as it can and counts frames. Prints events/s for the recording served
as is (pre-encoded frames) and in loop mode (re-rendered per loop).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import aiohttp

from wikistream_dagster.local.process import free_port, wait_for_port


async def _drain(url: str, max_events: int | None) -> int:
    frames, tail = 0, b""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            async for chunk in resp.content.iter_any():
                frames += (tail + chunk[:1]).count(b"\n\n") + chunk.count(b"\n\n")
                tail = chunk[-1:]
                if max_events and frames >= max_events:
                    break
    return frames


def _measure(mode: str, events: int) -> float:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "wikistream_dagster",
        "replay",
        "--speed",
        "0",
        "--port",
        str(port),
        *(["--loop"] if mode == "loop" else []),
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v2/stream/recentchange"
    try:
        wait_for_port(port, 10)
        asyncio.run(_drain(url, 1000))  # warm-up
        t0 = time.perf_counter()
        got = 0
        if mode == "loop":
            got = asyncio.run(_drain(url, events))
        else:
            while got < events:
                got += asyncio.run(_drain(url, None))
        return got / (time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(10)


def run_bench(settings, events: int | None = None) -> dict:  # noqa: ARG001 - bench interface
    """Measure both modes; print and return the figures."""
    events = events or 200_000
    figures = {
        "events": events,
        "events_per_s": round(_measure("once", events)),
        "loop_events_per_s": round(_measure("loop", events)),
    }
    print(
        f"replay server alone: {figures['events_per_s']:,} events/s as recorded, "
        f"{figures['loop_events_per_s']:,} events/s looped"
    )
    return figures
