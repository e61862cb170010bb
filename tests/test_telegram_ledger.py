"""The polling ledger confirms only what is settled and never takes an update in hand twice."""

from __future__ import annotations

from bot.telegram.ledger import UpdateLedger


def test_updates_finished_out_of_order_settle_only_up_to_the_oldest_in_hand() -> None:
    """Chat B's update finishing before chat A's does not confirm A's to Telegram."""
    ledger = UpdateLedger()
    assert ledger.offset is None  # nothing known: ask for everything pending
    assert [ledger.admit(i, 0.0) for i in (10, 11, 12)] == [True, True, True]
    assert ledger.settled == 9
    ledger.finish(11)
    ledger.finish(12)
    assert ledger.settled == 9
    assert ledger.offset == 10
    ledger.finish(10)
    assert ledger.settled == 12
    assert ledger.offset == 13
    assert ledger.in_hand == 0


def test_an_update_offered_again_is_not_taken_in_hand_twice() -> None:
    """Telegram offers unconfirmed updates on every poll: in hand or done, they are skipped."""
    ledger = UpdateLedger()
    ledger.admit(10, 0.0)
    ledger.admit(11, 0.0)
    ledger.finish(11)
    assert not ledger.admit(10, 1.0)  # still in hand
    assert not ledger.admit(11, 1.0)  # done, but 10 holds the position below it
    assert ledger.admit(12, 1.0)


def test_an_update_that_finished_while_a_poll_was_under_way_is_not_taken_again() -> None:
    """A poll sent while 10 was in hand returns 10 after it finished: it is not handled again."""
    ledger = UpdateLedger()
    ledger.admit(10, 0.0)
    ledger.finish(10)  # the poll that was sent with offset 10 comes back after this
    assert not ledger.admit(10, 1.0)
    assert ledger.admit(11, 1.0)


def test_after_a_restart_the_updates_noted_above_the_position_are_skipped() -> None:
    """From the store: settled 9, and 11 handled; Telegram offers 10, 11, 12: 11 is skipped."""
    ledger = UpdateLedger(9, {11, 5})
    assert ledger.offset == 10
    assert [ledger.admit(i, 0.0) for i in (10, 11, 12)] == [True, False, True]
    ledger.finish(10)
    assert ledger.settled == 11
    ledger.finish(12)
    assert ledger.settled == 12
