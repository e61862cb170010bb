"""A `Messenger` that records what the conversation service sends, for tests without a transport."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.flow.session import Button, Reply


@dataclass
class Sent:
    method: str  # send, edit, delete or answer
    chat_id: int | None
    reply: Reply | None = None
    message_ids: tuple[int, ...] = ()


@dataclass
class RecordingMessenger:
    """Every call in order; `failures[method]` lists errors to raise on the next calls."""

    calls: list[Sent] = field(default_factory=list)
    failures: dict[str, list[BaseException]] = field(default_factory=dict)
    next_id: int = 100

    def _fail(self, method: str) -> None:
        pending = self.failures.get(method)
        if pending:
            raise pending.pop(0)

    async def send(self, chat_id: int, reply: Reply) -> int | None:
        self._fail("send")
        self.calls.append(Sent("send", chat_id, reply))
        self.next_id += 1
        return self.next_id

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        self._fail("edit")
        self.calls.append(Sent("edit", chat_id, reply, (message_id,)))

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        self._fail("delete")
        self.calls.append(Sent("delete", chat_id, None, tuple(message_ids)))

    async def answer(self, query_id: str) -> None:
        self._fail("answer")
        self.calls.append(Sent("answer", None))

    def replies(self) -> list[Reply]:
        return [call.reply for call in self.calls if call.reply is not None]

    def last(self) -> Reply:
        return self.replies()[-1]

    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies())

    @staticmethod
    def buttons(reply: Reply) -> list[Button]:
        return [button for row in reply.buttons for button in row]
