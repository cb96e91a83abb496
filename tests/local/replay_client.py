"""A deliberately independent SSE reader for the replay tests (raw aiohttp, own parsing)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
import orjson


@dataclass
class Frame:
    event: str
    id: str
    data: bytes

    @property
    def obj(self) -> dict:
        return orjson.loads(self.data)

    @property
    def entries(self) -> list[dict]:
        return orjson.loads(self.id)

    @property
    def id_ms(self) -> int:
        """The largest ``timestamp`` entry of the id (Kafka time of the last message + 1)."""
        return max(e["timestamp"] for e in self.entries if "timestamp" in e)


@dataclass
class Result:
    status: int
    frames: list[Frame] = field(default_factory=list)
    ended: bool = False  # the server closed the stream
    raw: bytes = b""
    body: str = ""
    content_type: str = ""


def parse_frames(raw: bytes) -> list[Frame]:
    """Split LF-only SSE bytes (what the replay server writes) into frames."""
    frames = []
    for block in raw.split(b"\n\n"):
        if not block:
            continue
        fields: dict[bytes, list[bytes]] = {}
        for line in block.split(b"\n"):
            name, _, value = line.partition(b": ")
            fields.setdefault(name, []).append(value)
        frames.append(
            Frame(
                fields[b"event"][0].decode(), fields[b"id"][0].decode(), b"\n".join(fields[b"data"])
            )
        )
    return frames


async def aread(
    url: str,
    *,
    headers: dict | None = None,
    params: dict | None = None,
    max_frames: int | None = None,
    timeout: float = 15,
) -> Result:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as s:
        async with s.get(url, headers=headers, params=params) as resp:
            res = Result(resp.status, content_type=resp.headers.get("Content-Type", ""))
            if resp.status != 200 or not res.content_type.startswith("text/event-stream"):
                res.body = await resp.text()
                return res
            buf = bytearray()
            async for chunk in resp.content.iter_any():
                buf += chunk
                if max_frames is not None and buf.count(b"\n\n") >= max_frames:
                    end = 0
                    for _ in range(max_frames):
                        end = buf.index(b"\n\n", end) + 2
                    res.raw = bytes(buf[:end])
                    res.frames = parse_frames(res.raw)
                    return res
            res.raw, res.ended = bytes(buf), True
            res.frames = parse_frames(res.raw)
            return res


def read(url: str, **kwargs) -> Result:
    return asyncio.run(aread(url, **kwargs))


async def acount_bytes(url: str) -> tuple[int, int]:
    """Read a whole stream as fast as possible: (frames, bytes) by counting blank lines."""
    frames = nbytes = 0
    tail = b""
    async with aiohttp.ClientSession() as s:
        async with s.get(url) as resp:
            async for chunk in resp.content.iter_any():
                nbytes += len(chunk)
                frames += (tail + chunk[:1]).count(b"\n\n") + chunk.count(b"\n\n")
                tail = chunk[-1:]
    return frames, nbytes


@dataclass
class Raw:
    status: int
    raw: bytes
    how: str  # "clean": the response ended properly; "aborted": the connection was cut

    @property
    def frames(self) -> list[Frame]:
        """The complete frames (a partial one at the end is left out)."""
        end = self.raw.rfind(b"\n\n")
        return parse_frames(self.raw[: end + 2]) if end >= 0 else []

    @property
    def tail(self) -> bytes:
        """What follows the last complete frame (a cut frame's bytes)."""
        return self.raw[self.raw.rfind(b"\n\n") + 2 :] if b"\n\n" in self.raw else self.raw


async def araw(url: str, *, headers: dict | None = None, timeout: float = 15) -> Raw:
    """Read a stream to its end, telling a clean end from a cut connection."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as s:
        async with s.get(url, headers=headers) as resp:
            buf = bytearray()
            try:
                async for chunk in resp.content.iter_any():
                    buf += chunk
            except aiohttp.ClientPayloadError:
                return Raw(resp.status, bytes(buf), "aborted")
            return Raw(resp.status, bytes(buf), "clean")


def read_raw(url: str, **kwargs) -> Raw:
    return asyncio.run(araw(url, **kwargs))
