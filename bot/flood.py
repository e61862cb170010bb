"""A per-user flood guard, in memory only: a token bucket per pseudonym, bounded in size.

A user who sends very many updates is told once to slow down and then ignored for a short
while; everyone else is untouched. Emergencies are never throttled: the caller passes
`emergency=True` and the answer is always ALLOW. The clock is passed in, so tests need no sleeps.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"  # answer normally
    WARN = "warn"  # answer with the slow-down message, once
    IGNORE = "ignore"  # say nothing: the user was just warned


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    quiet_until: float = 0.0


@dataclass(frozen=True, slots=True)
class FloodLimits:
    burst: float = 12.0  # updates a user may send at once
    per_second: float = 1.0  # sustained rate that refills the bucket
    quiet_seconds: float = 20.0  # how long a warned user is ignored
    max_users: int = 10_000  # oldest buckets are forgotten beyond this


class FloodGuard:
    def __init__(self, limits: FloodLimits | None = None) -> None:
        self.limits = limits or FloodLimits()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str, now: float, *, emergency: bool = False) -> Verdict:
        """Take one token for `key` at monotonic time `now` and say how to treat the update."""
        limits = self.limits
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=limits.burst, updated=now)
            self._buckets[key] = bucket
            while len(self._buckets) > limits.max_users:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(limits.burst, bucket.tokens + elapsed * limits.per_second)
            bucket.updated = now
        if emergency:
            # Someone in danger is answered even mid-flood, and it costs them nothing.
            return Verdict.ALLOW
        if now < bucket.quiet_until:
            return Verdict.IGNORE
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.ALLOW
        bucket.quiet_until = now + limits.quiet_seconds
        return Verdict.WARN
