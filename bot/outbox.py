"""Replies Telegram could not take during an outage, kept in memory until it answers again.

When the Bot API is down (5xx, dropped connections, connections that cannot be made), the
adapter holds the replies of the update it was handling here instead of dropping them, and sends
them, in order, once the API answers again. They are never written to disk: a held reply is
guidance text and buttons only, keyed by chat id in memory, and it goes after `max_age` seconds,
when sending it would no longer help. Each chat keeps at most `per_chat` replies (the newest),
and at most `chats` chats are kept (the ones that waited longest go first).

The message ids of replies sent from here are kept per session key until that user's next update
picks them up, so "leave and erase" deletes those messages too.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.flow.session import Reply

HELD_PER_CHAT = 10
HELD_CHATS = 1_000
HELD_MAX_AGE = 600.0  # seconds; a reply older than this is not worth sending any more
SENT_IDS_PER_KEY = 50


@dataclass(frozen=True, slots=True)
class HeldReply:
    reply: Reply
    key: str  # the session's pseudonym, to hand the sent message's id back to the session
    held_at: float  # monotonic seconds
    edit_of: int | None = None  # the pressed message this reply was meant to replace in place


class Outbox:
    """Bounded per-chat queues of held replies; all in memory, all with an age limit."""

    def __init__(
        self, *, per_chat: int = HELD_PER_CHAT, chats: int = HELD_CHATS,
        max_age: float = HELD_MAX_AGE, clock: Callable[[], float],
    ) -> None:
        self.per_chat = per_chat
        self.max_chats = chats
        self.max_age = max_age
        self.clock = clock
        self._held: OrderedDict[int, deque[HeldReply]] = OrderedDict()
        self._sent_ids: OrderedDict[str, list[int]] = OrderedDict()

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._held.values())

    def holds(self, chat_id: int) -> bool:
        return chat_id in self._held

    def hold(self, chat_id: int, replies: Iterable[HeldReply]) -> int:
        """Queue replies behind what the chat already waits for; return how many were dropped."""
        queue = self._held.get(chat_id)
        if queue is None:
            queue = self._held[chat_id] = deque()
        dropped = 0
        for held in replies:
            queue.append(held)
            if len(queue) > self.per_chat:
                queue.popleft()
                dropped += 1
        while len(self._held) > self.max_chats:
            _, oldest = self._held.popitem(last=False)
            dropped += len(oldest)
        return dropped

    def hold_first(self, chat_id: int, held: HeldReply) -> None:
        """Put a reply back at the head of its chat's queue (a slow call that failed after all)."""
        queue = self._held.get(chat_id)
        if queue is None:
            queue = self._held[chat_id] = deque()
        queue.appendleft(held)
        while len(queue) > self.per_chat:
            queue.pop()

    def chats(self) -> list[int]:
        """Chats with held replies, the one waiting longest first."""
        return list(self._held)

    def first(self, chat_id: int) -> HeldReply | None:
        queue = self._held.get(chat_id)
        return queue[0] if queue else None

    def done(self, chat_id: int) -> None:
        """The first held reply of this chat was sent (or given up); drop it."""
        queue = self._held.get(chat_id)
        if queue:
            queue.popleft()
        if not queue:
            self._held.pop(chat_id, None)

    def forget(self, chat_id: int) -> int:
        """Drop everything held for a chat (it was erased); return how many went."""
        queue = self._held.pop(chat_id, None)
        return len(queue) if queue else 0

    def expire(self) -> int:
        """Drop replies older than `max_age`; return how many went."""
        cutoff = self.clock() - self.max_age
        dropped = 0
        for chat_id in list(self._held):
            queue = self._held[chat_id]
            while queue and queue[0].held_at < cutoff:
                queue.popleft()
                dropped += 1
            if not queue:
                del self._held[chat_id]
        return dropped

    def record_sent(self, key: str, message_id: int) -> None:
        ids = self._sent_ids.setdefault(key, [])
        ids.append(message_id)
        del ids[:-SENT_IDS_PER_KEY]
        self._sent_ids.move_to_end(key)
        while len(self._sent_ids) > self.max_chats:
            self._sent_ids.popitem(last=False)

    def take_sent(self, key: str) -> list[int]:
        """Message ids sent from the outbox for this session since its last update."""
        if not self._sent_ids:
            return []
        return self._sent_ids.pop(key, [])
