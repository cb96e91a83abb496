"""Exponential backoff with jitter for reconnects."""

from __future__ import annotations

import random


class Backoff:
    """Delays grow ``initial * 2**n`` up to ``maximum``; each is jittered to 50-100 %."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.maximum = maximum
        self.attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self, at_least: float = 0.0) -> float:
        ceiling = min(self.maximum, self.initial * (2**self.attempt))
        self.attempt += 1
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        return max(delay, min(at_least, self.maximum * 5))

    def reset(self) -> None:
        self.attempt = 0
