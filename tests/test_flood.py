"""The per-user flood guard: bursts allowed, floods slowed once then ignored, emergencies never."""

from __future__ import annotations

from bot.flood import FloodGuard, FloodLimits, Verdict

LIMITS = FloodLimits(burst=3, per_second=1.0, quiet_seconds=10.0, max_users=3)


def test_a_burst_within_the_limit_is_allowed() -> None:
    """A short burst within the limit is allowed in full."""
    guard = FloodGuard(LIMITS)
    assert [guard.check("a", 0.0) for _ in range(3)] == [Verdict.ALLOW] * 3


def test_a_flood_is_warned_once_then_ignored_until_the_quiet_period_ends() -> None:
    """A flood gets one warning, then silence until the quiet period has passed."""
    guard = FloodGuard(LIMITS)
    verdicts = [guard.check("a", 0.0) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN] + [Verdict.IGNORE] * 2
    assert guard.check("a", 9.9) is Verdict.IGNORE
    assert guard.check("a", 10.0) is Verdict.ALLOW


def test_tokens_refill_at_the_sustained_rate() -> None:
    """After a burst, one more message is allowed per second at the sustained rate."""
    guard = FloodGuard(LIMITS)
    for _ in range(3):
        guard.check("a", 0.0)
    assert guard.check("a", 1.0) is Verdict.ALLOW  # one token back after one second
    assert guard.check("a", 1.0) is Verdict.WARN


def test_an_emergency_is_always_allowed_even_while_ignored() -> None:
    """An emergency passes the guard even while the user's other messages are ignored."""
    guard = FloodGuard(LIMITS)
    for _ in range(5):
        guard.check("a", 0.0)
    assert guard.check("a", 0.5) is Verdict.IGNORE
    assert guard.check("a", 0.5, emergency=True) is Verdict.ALLOW


def test_one_flooder_does_not_slow_anyone_else() -> None:
    """One user flooding does not use up anyone else's allowance."""
    guard = FloodGuard(LIMITS)
    for _ in range(10):
        guard.check("flooder", 0.0)
    assert guard.check("other", 0.0) is Verdict.ALLOW


def test_memory_is_bounded_and_forgets_the_least_recent_user() -> None:
    """The guard remembers a bounded number of users and forgets the least recent first."""
    guard = FloodGuard(LIMITS)
    for _ in range(5):
        guard.check("old", 0.0)
    for key in ("b", "c", "d"):
        guard.check(key, 0.0)
    assert len(guard) == 3
    assert guard.check("old", 0.1) is Verdict.ALLOW  # forgotten, so it starts afresh


def test_a_clock_going_backwards_does_not_mint_tokens() -> None:
    """A clock that jumps backwards gives no new allowance."""
    guard = FloodGuard(LIMITS)
    for _ in range(3):
        guard.check("a", 100.0)
    assert guard.check("a", 50.0) is Verdict.WARN
