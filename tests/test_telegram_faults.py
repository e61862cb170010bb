"""Under pressure the bot keeps answering: Bot API faults, failing storage, its own bugs, floods."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from bot.flood import FloodGuard, FloodLimits, Verdict
from bot.flow.session import Tally
from bot.store import MemoryStore, PollingPosition, StoredSession
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import bot_settings, running_bot
from tests.log_events import LogEvents


class FlakyStore(MemoryStore):
    """A store that raises on every call while `broken` is set, like a locked or full disk."""

    broken = False

    def _check(self) -> None:
        if self.broken:
            raise OSError("disk full at /var/lib/wegwijzer (user 5550001 said: hallo)")

    async def open(self) -> None:
        self._check()

    async def load(self, key: str, now: float) -> StoredSession | None:
        self._check()
        return await super().load(key, now)

    async def save(
        self, key: str, session: StoredSession, *, tallies: Iterable[Tally] = (),
        when: datetime | None = None, update_id: int | None = None, settled: int | None = None,
    ) -> None:
        self._check()
        await super().save(key, session, tallies=tallies, when=when, update_id=update_id,
                           settled=settled)

    async def mark_handled(self, update_id: int, now: float, settled: int | None = None) -> None:
        self._check()
        await super().mark_handled(update_id, now, settled)

    async def polling_position(self, now: float) -> PollingPosition | None:
        self._check()
        return await super().polling_position(now)

    async def delete(self, key: str) -> None:
        self._check()
        await super().delete(key)

    async def purge_expired(self, now: float) -> int:
        self._check()
        return await super().purge_expired(now)

    async def count(self, tallies: Iterable[Tally], when: datetime) -> None:
        self._check()
        await super().count(tallies, when)


class ExplodingFloodGuard(FloodGuard):
    """Makes the handler fail halfway, as a bug would."""

    def check(self, key: str, now: float, *, emergency: bool = False) -> Verdict:
        raise RuntimeError("bug while handling user 5550001 'ik word bedreigd'")


async def test_429_with_retry_after_is_waited_out_and_the_answer_arrives_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Flood control (429, retry_after=1): the reply is held that long, then sent once."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        api.fail_next("sendMessage", 429, retry_after=1)
        answer = await user.start()
        assert "Wat is uw rol?" in answer
        sends = api.calls_to("sendMessage", ok=None)
        assert [c.status for c in sends] == [429, 200]
        assert sends[1].at - sends[0].at >= 1.0
        assert len(user.bot_messages()) == 1


async def test_500_from_the_api_is_retried(api: FakeBotApi, tmp_path: Path) -> None:
    """A server error on sendMessage or editMessageText: the outbox sends it again, once."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        api.fail_next("sendMessage", 500)
        assert "Wat is uw rol?" in await user.start()
        api.fail_next("editMessageText", 502, description="Bad Gateway")
        assert "Waar gaat het over?" in await user.press("Burgemeester")
        assert [c.status for c in api.calls_to("sendMessage", ok=None)] == [500, 200]
        assert [c.status for c in api.calls_to("editMessageText", ok=None)] == [502, 200]
        assert len(user.bot_messages()) == 1


async def test_failed_edit_falls_back_to_a_new_message(api: FakeBotApi, tmp_path: Path) -> None:
    """When the pressed message cannot be edited (deleted, too old), the answer comes as new."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        api.fail_next("editMessageText", 400, description="Bad Request: message can't be edited")
        answer = await user.press("Burgemeester")
        assert "Waar gaat het over?" in answer
        assert [m["text"].split("\n")[0] for m in user.bot_messages()][-1] == "Waar gaat het over?"


async def test_storage_failing_on_every_call_still_answers_every_update(
    api: FakeBotApi, tmp_path: Path, log_events: LogEvents
) -> None:
    """With the store down the bot answers from memory, logs storage_error, and recovers."""
    store = FlakyStore()
    store.broken = True
    async with running_bot(bot_settings(api, tmp_path), store):
        user = FakeUser(api)
        assert "Wat is uw rol?" in await user.start()
        assert "Waar gaat het over?" in await user.press("Burgemeester")
        answer = await user.send("ik word bedreigd")
        assert "070-3738314" in answer
        failures = log_events.named("storage_error")
        assert len(failures) == 3  # one per update, not one per call
        assert {event["reason"] for event in failures} == {"OSError"}
        assert store.sessions == {}

        store.broken = False
        answer = await user.press("Terug")
        assert "Waar gaat het over?" in answer  # the place in the guide survived in memory
        assert len(store.sessions) == 1
        assert log_events.named("storage_recovered")
    text = log_events.text()
    assert "disk full" not in text
    assert "5550001" not in text


async def test_a_bug_in_the_handler_still_gives_the_fallback_with_112(
    api: FakeBotApi, tmp_path: Path, log_events: LogEvents
) -> None:
    """Whatever breaks inside, the user gets 112 and the Ondersteuningsteam; the log one reason."""
    async with running_bot(bot_settings(api, tmp_path), flood=ExplodingFloodGuard()):
        user = FakeUser(api)
        answer = await user.send("ik word bedreigd")
        assert "112" in answer
        assert "070-3738314" in answer
    errors = log_events.named("handler_error")
    assert len(errors) == 1
    assert errors[0]["reason"] == "RuntimeError"
    assert "ik word bedreigd" not in log_events.text()


async def test_flooding_user_is_slowed_others_answered_emergency_still_answered(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A flood gets one slow-down and then silence; others and "112" still get answers."""
    flood = FloodGuard(FloodLimits(burst=3, per_second=0.01, quiet_seconds=60))
    async with running_bot(bot_settings(api, tmp_path), flood=flood):
        flooder = FakeUser(api, 5550010)
        other = FakeUser(api, 5550011)
        for _ in range(12):
            await flooder.send("hallo", wait=False)
        assert "Wat is uw rol?" in await other.start()
        await api.settle()
        texts = [m["text"] for m in flooder.bot_messages()]
        assert len(texts) == 4, flooder.transcript()
        assert sum("Dat begrijp ik niet" in t for t in texts) == 3
        assert "U stuurt veel berichten" in texts[-1]

        answer = await flooder.send("help, ik ben in gevaar")
        assert "Bel nu 112" in answer
        assert "070-3738314" in answer


async def test_sessions_kept_in_memory_after_a_write_expire_and_erase_like_stored_ones() -> None:
    """The copy kept to spare a read obeys the retention time and is gone after an erase."""
    from bot.flow.session import SessionState
    from bot.sessions import Sessions

    store = MemoryStore(retention_seconds=10)
    sessions = Sessions(store, retention_seconds=10)
    state = SessionState(node="dreiging", back=("start",), language="nl", variables=(),
                         flow_version="v1")
    await sessions.save("key", StoredSession(state=state, updated_at=100.0))
    store.sessions.clear()  # only the memory copy can answer now
    assert (await sessions.load("key", 105.0)) is not None
    assert await sessions.load("key", 111.0) is None
    await sessions.save("key", StoredSession(state=state, updated_at=200.0))
    await sessions.delete("key")
    assert await sessions.load("key", 201.0) is None
    await sessions.save("key", StoredSession(state=state, updated_at=300.0))
    assert await sessions.purge(311.0) >= 1
    assert "key" not in sessions.recent
