"""The stream a recording is served as: Kafka partitions, message timestamps, loops, frames.

Stream positions 0.. (endless when looping) are the recording's events in order. Positions
below ``switchover_at`` are messages of ``eqiad.mediawiki.recentchange``/0, the rest of
``codfw.mediawiki.recentchange``/0 (a datacenter switchover; without one codfw stays empty, as
on the live stream most of the time). Each message's Kafka timestamp is its event's id time,
optionally truncated to whole seconds (as on the live stream) and jittered by up to
``disorder_ms`` (so timestamps are not ordered by offset, as in Kafka). Events injected at run
time (:meth:`Timeline.inject`) are eqiad messages served before a given position.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wikistream_dagster.local.event_ids import CODFW, EQIAD, entry_json
from wikistream_dagster.local.loop_payload import LoopTemplate
from wikistream_dagster.local.record import Recorded, id_times
from wikistream_dagster.local.timeline_frames import TimelineFrames, meta_id

INF = 1 << 62  # "no end": the end of an endless stream, or of a partition that never ends
PARTITIONS = ((EQIAD, 0), (CODFW, 0))


def _ceil_s(ms: int) -> int:
    return -(-ms // 1000) * 1000


@dataclass(frozen=True, slots=True)
class Injected:
    """An event added at run time: served before base position ``before``."""

    before: int
    kafka_ms: int
    event: str
    data: bytes
    meta_id: str


class Timeline(TimelineFrames):
    """Positions, id times (pacing), Kafka timestamps (resume) and frame bytes of a replay.

    Loop k shifts times by ``offsets[k]`` (whole seconds, fixed when the loop is first reached:
    the present, or right after loop k-1 if that is later). A loop replayed faster or slower
    than recorded (``speed`` not 0 or 1) has its times compressed by ``speed`` (gaps / speed),
    so event times keep pace with the clock; such a timeline is served at ``pace`` 1.
    ``now_ms`` is the clock loops are placed by (the server stops it while paused).
    """

    def __init__(
        self,
        records: Sequence[Recorded],
        loop: bool,
        run: str | None = None,
        speed: float = 0.0,
        *,
        whole_seconds: bool = False,
        disorder_ms: int = 0,
        switchover_at: int | None = None,
        seed: int = 0,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        if not records:
            raise ValueError("a replay needs at least one recorded event")
        if disorder_ms < 0:
            raise ValueError(f"disorder_ms={disorder_ms} must be >= 0")
        if switchover_at is not None and switchover_at < 0:
            raise ValueError(f"switchover_at={switchover_at} must be >= 0")
        self.n, self.loop = len(records), loop
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.ts = id_times(records)
        self.shift = [0] * self.n  # per event: compressed time - recorded time (loops only)
        self.scaled = loop and speed > 0 and speed != 1
        if self.scaled:
            t0 = self.ts[0]
            scaled = [t0 + round((t - t0) / speed) for t in self.ts]
            self.shift = [s - t for s, t in zip(scaled, self.ts, strict=True)]
            self.ts = scaled
        rnd = random.Random(seed)
        kt = [t - rnd.randint(0, disorder_ms) if disorder_ms else t for t in self.ts]
        self.kt = [t - t % 1000 for t in kt] if whole_seconds else kt  # Kafka time, loop 0
        self.whole_seconds = whole_seconds
        self.rm = list(itertools.accumulate(self.kt, max))  # running max: offsetsForTimes
        self.switchover = INF if switchover_at is None else switchover_at
        self.events = [r.event for r in records]
        self.heads = [b"event: " + e.encode() + b"\nid: " for e in self.events]
        self.frontier = 0  # furthest position any connection has been served
        self.injected: list[Injected] = []
        self.inj_before: list[int] = []
        self._ids: list[str] | None = None
        self._records = records
        self._blobs: dict[tuple[bytes, bytes], tuple[bytes, list[int]]] = {}
        if loop:  # run: part of the per-loop meta.ids (default: start time, ns)
            self.run = run or str(time.time_ns())
            self.templates = [LoopTemplate(r.data) for r in records]
            self.period = _ceil_s(self.ts[-1] - self.ts[0] + disorder_ms) + 1000
            self.offsets: list[int] = []
            self.starts: list[int] = []
            self.loop_max: list[int] = []  # per loop: its largest Kafka timestamp
        else:
            self.bodies = [
                b"\ndata: " + b"\ndata: ".join(r.data.split(b"\n")) + b"\n\n" for r in records
            ]

    # --- time -----------------------------------------------------------------------------
    @property
    def pace(self) -> float | None:
        """The speed to serve this timeline at when the requested one was ``speed``."""
        return 1.0 if self.scaled else None

    @property
    def end(self) -> int | None:
        return None if self.loop else self.n

    def offset(self, k: int) -> int:
        while len(self.offsets) <= k:
            off = _ceil_s(self.now_ms() - self.ts[0])
            if self.offsets:
                off = max(off, self.offsets[-1] + self.period)
            self.offsets.append(off)
            self.starts.append(self.ts[0] + off)
            self.loop_max.append(self.rm[-1] + off)
        return self.offsets[k]

    def time_at(self, p: int) -> int:
        """Id time of position p: what pacing follows (non-decreasing)."""
        if not self.loop:
            return self.ts[p]
        k, i = divmod(p, self.n)
        return self.ts[i] + self.offset(k)

    def kafka_ms(self, p: int) -> int:
        """The Kafka timestamp of the message at position p (not ordered by offset)."""
        if not self.loop:
            return self.kt[p]
        k, i = divmod(p, self.n)
        return self.kt[i] + self.offset(k)

    def position_for(self, t_ms: int) -> int:
        """The first position whose id time is >= ``t_ms`` (past all loops: a new loop's start)."""
        if not self.loop:
            return bisect.bisect_left(self.ts, t_ms)
        last = len(self.offsets) - 1
        if last < 0 or t_ms > self.ts[-1] + self.offsets[last]:
            last += 1
            if t_ms > self.ts[-1] + self.offset(last):
                return last * self.n
        k = bisect.bisect_right(self.starts, t_ms) - 1
        if k < 0:
            return 0
        return k * self.n + bisect.bisect_left(self.ts, t_ms - self.offsets[k])

    def produced_end(self) -> int:
        """Positions below this are in Kafka now (finite: all; looping: up to the clock, or as
        far as a connection has been served ahead of it)."""
        return self.n if not self.loop else max(self.position_for(self.now_ms()), self.frontier)

    # --- partitions -------------------------------------------------------------------------
    def bounds(self, part: int) -> tuple[int, int]:
        """[lo, hi) of the positions of partition ``part`` (0 = eqiad, 1 = codfw)."""
        end = self.n if not self.loop else INF
        cut = min(self.switchover, end)
        return (0, cut) if part == 0 else (cut, end)

    def first_at_or_after(self, lo: int, hi: int, t: int) -> int | None:
        """Kafka offsetsForTimes on positions [lo, hi): the first whose timestamp >= t."""
        if not self.loop:
            g = bisect.bisect_left(self.rm, t)
            if g >= self.n:
                return None
        else:
            self.offset(0)
            k = bisect.bisect_left(self.loop_max, t)
            if k >= len(self.loop_max):
                return None  # no message that late has been produced yet
            g = k * self.n + bisect.bisect_left(self.rm, t - self.offsets[k])
        if g >= hi or (self.loop and g >= self.produced_end()):
            return None  # not in this partition, or not produced yet
        if g >= lo:
            return g
        stop = min(hi, self.produced_end() if self.loop else self.n)
        for p in range(lo, stop):  # rm is a global running max: scan this partition's start
            if self.kafka_ms(p) >= t:
                return p
        return None

    def inject(self, data: bytes, before: int, event: str = "message") -> int:
        """Add an eqiad message served before position ``before``; returns its eqiad offset."""
        before = max(before, self.inj_before[-1] if self.inj_before else 0)
        ms = self.time_at(before) if self.loop else self.ts[min(before, self.n - 1)]
        kafka = ms - ms % 1000 if self.whole_seconds else ms
        self.injected.append(Injected(before, kafka, event, data, meta_id(data)))
        self.inj_before.append(before)
        return self.injected_offset(len(self.injected) - 1)

    def injected_offset(self, j: int) -> int:
        return min(self.inj_before[j], self.bounds(0)[1]) + j

    def seek_eqiad(self, offset: int) -> tuple[int, int]:
        """The cursor (base position, next injection) of eqiad offset ``offset``."""
        j = 0
        while j < len(self.injected) and self.injected_offset(j) < offset:
            j += 1
        if j < len(self.injected) and self.injected_offset(j) == offset:
            return min(self.inj_before[j], self.bounds(0)[1]), j
        return offset - j, j

    def end_offsets(self) -> dict[str, int]:
        """Per partition: the offset the next produced message will get."""
        end = self.produced_end()
        out = {}
        for part, (topic, _) in enumerate(PARTITIONS):
            lo, hi = self.bounds(part)
            out[topic] = max(0, min(end, hi) - lo) + (len(self.injected) if part == 0 else 0)
        return out


def timestamp_entry(part: int, stamp: bytes) -> bytes:
    topic, partition = PARTITIONS[part]
    return b'{"topic":"%s","partition":%d,"timestamp":%s}' % (topic.encode(), partition, stamp)


def offset_entry(part: int, offset: int) -> bytes:
    topic, partition = PARTITIONS[part]
    return entry_json(topic, partition, "offset", offset)
