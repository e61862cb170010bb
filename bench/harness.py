"""The bench harness: a lean fake Bot API server and simulated users, in the bench process.

The bot under test (`wegwijzer run`, or the floor bot) runs as a separate process and talks HTTP to
this server through `TELEGRAM_API_BASE_URL`, exactly as it would to api.telegram.org. Users and
server share one event loop and one clock, so "update offered" and "reply received" are measured
on the same clock without any cross-process timing.

Why not tests/fakes/bot_api.py: that fake keeps every call and scans its whole call list on every
wait (quadratic over a 2,000-update burst) and records the full parameters of each call; fine for
tests, but here the fake must cost far less CPU than the bot it measures. This one keeps only the
last bot message per chat and a time stamp per reply.

Faults for the fault scripts: `Outage` makes chosen methods answer 429 with retry_after, 500/502,
hang past the client's time-out, or drop the connection, for a window of time; every request is
counted per second so a hot retry loop shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456789:AAHbenchTokenForWegwijzerBenchmarks-012345"  # noqa: S105 - a fake for the fake API
BOT_ID = 123456789
SECRET_KEY = "wegwijzer-bench-secret-key-0123456789-abcdefghijklmnop"  # noqa: S105 - bench only
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
REPLY_METHODS = frozenset({"sendMessage", "editMessageText"})
JSON_FIELDS = frozenset({"reply_markup", "message_ids", "commands", "allowed_updates"})
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

Json = dict[str, Any]


# -- measuring the bot process ----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc; psutil is not needed."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in KiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(latencies: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies),
        "median_ms": round(statistics.median(latencies) * 1000, 2) if latencies else float("nan"),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2) if latencies else float("nan"),
    }


# -- faults -------------------------------------------------------------------------------------


@dataclass
class Outage:
    """From `start` to `end` (loop time), requests to `methods` fail in the given way."""

    kind: str  # "429", "500", "502", "timeout", "drop"
    start: float
    end: float
    methods: frozenset[str] = frozenset({"getUpdates", "sendMessage", "editMessageText",
                                         "answerCallbackQuery", "deleteMessages"})
    retry_after: int = 5
    hang_seconds: float = 15.0  # longer than the bot's read time-out

    def active(self, method: str, now: float) -> bool:
        return self.start <= now < self.end and method in self.methods


# -- the fake Bot API ----------------------------------------------------------------------------


@dataclass
class ChatState:
    user: Json
    chat: Json
    next_id: int = 1
    last_markup: Json | None = None  # keyboard of the bot's last message, as the user sees it
    last_message: Json | None = None
    waiting: deque[tuple[float, str]] = field(default_factory=deque)  # (offered_at, kind)
    replies: list[tuple[float, float, str]] = field(default_factory=list)  # (offered, answered, kind)
    reply_event: asyncio.Event = field(default_factory=asyncio.Event)
    reply_texts: list[str] = field(default_factory=list)
    keep_texts: bool = False
    deleted: int = 0
    shown: dict[int, tuple[str, Any]] = field(default_factory=dict)  # message id -> text, markup

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class FakeApi:
    def __init__(self, token: str = TOKEN, *, refuse_unchanged_edits: bool = False) -> None:
        self.prefix = f"/bot{token}/"
        self.refuse_unchanged_edits = refuse_unchanged_edits  # as Telegram does: 400 not modified
        self.pending: deque[Json] = deque()
        self.update_ids = itertools.count(1)
        self.confirmed = 0
        self.new_update = asyncio.Event()
        self.chats: dict[int, ChatState] = {}
        self.calls: Counter[str] = Counter()
        self.per_second: Counter[int] = Counter()  # requests per whole second of loop time
        self.outages: list[Outage] = []
        self.answered_queries: Counter[str] = Counter()
        self.replies_per_update: Counter[int] = Counter()  # update_id -> replies seen for it
        self.query_update: dict[str, int] = {}
        self.sent_total = 0
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.started = 0.0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=256)
        self.port = self.server.sockets[0].getsockname()[1]
        self.started = time.monotonic()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- users put updates in -----------------------------------------------------------------

    def chat(self, user_id: int, language: str = "nl") -> ChatState:
        state = self.chats.get(user_id)
        if state is None:
            user = {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": language}
            chat = {"id": user_id, "type": "private", "first_name": "Bench"}
            state = self.chats[user_id] = ChatState(user, chat)
        return state

    def _push(self, chat: ChatState, update: Json, kind: str) -> int:
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        chat.waiting.append((time.monotonic(), kind))
        self.pending.append(update)
        self.new_update.set()
        return update_id

    def send_text(self, user_id: int, text: str, *, date: float | None = None) -> int:
        chat = self.chat(user_id)
        message: Json = {"message_id": chat.new_id(), "from": chat.user, "chat": chat.chat,
                         "date": int(date if date is not None else time.time()), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self._push(chat, {"message": message}, "text")

    def press(self, user_id: int, data: str) -> int:
        chat = self.chat(user_id)
        query_id = f"{user_id}-{chat.next_id}-{random.getrandbits(32)}"
        message = chat.last_message or {"message_id": 1, "from": {"id": BOT_ID, "is_bot": True,
                                                                  "first_name": "W"},
                                        "chat": chat.chat, "date": int(time.time()), "text": "."}
        update_id = self._push(chat, {"callback_query": {
            "id": query_id, "from": chat.user, "message": message, "chat_instance": "1",
            "data": data}}, "press")
        self.query_update[query_id] = update_id
        return update_id

    # -- HTTP ----------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                length = 0
                content_type = ""
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    lower = line.lower()
                    if lower.startswith(b"content-length:"):
                        length = int(line[15:].strip())
                    elif lower.startswith(b"content-type:"):
                        content_type = line[13:].strip().decode("latin-1")
                body = await reader.readexactly(length) if length else b""
                path = request_line.split(b" ", 2)[1].decode("latin-1").split("?", 1)[0]
                method = path[len(self.prefix):] if path.startswith(self.prefix) else ""
                now = time.monotonic()
                self.calls[method] += 1
                self.per_second[int(now - self.started)] += 1
                outage = next((o for o in self.outages if o.active(method, now)), None)
                if outage is not None:
                    if outage.kind == "drop":
                        writer.transport.abort()
                        return
                    if outage.kind == "timeout":
                        await asyncio.sleep(outage.hang_seconds)
                        writer.transport.abort()
                        return
                    status, payload = _error(outage)
                else:
                    params = _decode(content_type, body)
                    status, payload = await self._method(method, params)
                data = json.dumps(payload).encode()
                writer.write(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % (status, len(data)) + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _method(self, method: str, params: Json) -> tuple[int, Json]:
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {"ok": True, "result": True}
        result = handler(self, params)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    async def get_updates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed = max(self.confirmed, offset - 1)
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self.pending and timeout > 0:
            self.new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.new_update.wait(), timeout)
        return list(itertools.islice(self.pending, limit))

    def _reply(self, params: Json, method: str) -> Json | tuple[int, Json]:
        chat_id = int(params.get("chat_id") or 0)
        chat = self.chats.get(chat_id)
        text = params.get("text") or ""
        if chat is None or not text:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        markup = params.get("reply_markup")
        now = time.monotonic()
        message_id = chat.new_id() if method == "sendMessage" else int(params.get("message_id") or 0)
        # Telegram refuses an edit that changes nothing (a redone update, say): not a reply.
        # Off unless asked for: the burst phase's repeated presses on one message rely on it.
        if (self.refuse_unchanged_edits and method == "editMessageText"
                and chat.shown.get(message_id) == (text, markup)):
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: message is not modified"}
        chat.shown[message_id] = (text, markup)
        while len(chat.shown) > 20:  # only recent messages get edited
            del chat.shown[next(iter(chat.shown))]
        message: Json = {"message_id": message_id,
                         "from": {"id": BOT_ID, "is_bot": True, "first_name": "W"},
                         "chat": chat.chat, "date": int(time.time()), "text": text}
        if markup:
            message["reply_markup"] = markup
            chat.last_markup = markup
            chat.last_message = message
        if chat.waiting:
            offered, kind = chat.waiting.popleft()
            chat.replies.append((offered, now, kind))
        else:
            chat.replies.append((now, now, "unasked"))
        if chat.keep_texts:
            chat.reply_texts.append(text)
        self.sent_total += 1
        chat.reply_event.set()
        return message

    def send_message(self, params: Json) -> Json | tuple[int, Json]:
        return self._reply(params, "sendMessage")

    def edit_message_text(self, params: Json) -> Json | tuple[int, Json]:
        return self._reply(params, "editMessageText")

    def answer_callback_query(self, params: Json) -> bool | tuple[int, Json]:
        query_id = str(params.get("callback_query_id"))
        self.answered_queries[query_id] += 1
        return True

    def delete_messages(self, params: Json) -> bool:
        chat = self.chats.get(int(params.get("chat_id") or 0))
        if chat is not None:
            chat.deleted += len(params.get("message_ids") or [])
        return True

    def get_me(self, params: Json) -> Json:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Wegwijzer", "username": "bench_bot",
                "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}


_METHODS: dict[str, Callable[[FakeApi, Json], Any]] = {
    "getUpdates": FakeApi.get_updates,
    "sendMessage": FakeApi.send_message,
    "editMessageText": FakeApi.edit_message_text,
    "answerCallbackQuery": FakeApi.answer_callback_query,
    "deleteMessages": FakeApi.delete_messages,
    "getMe": FakeApi.get_me,
}


def _error(outage: Outage) -> tuple[int, Json]:
    if outage.kind == "429":
        return 429, {"ok": False, "error_code": 429,
                     "description": f"Too Many Requests: retry after {outage.retry_after}",
                     "parameters": {"retry_after": outage.retry_after}}
    status = int(outage.kind)
    return status, {"ok": False, "error_code": status, "description": "Internal Server Error"}


def _decode(content_type: str, body: bytes) -> Json:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            return {}
        # As Telegram does: an object field may come as an object or as a JSON string (PTB's
        # json_payload sends the latter).
        for key in JSON_FIELDS & decoded.keys():
            if isinstance(decoded[key], str):
                decoded[key] = json.loads(decoded[key])
        return decoded
    params: Json = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        params[key] = json.loads(value) if key in JSON_FIELDS else value
    return params


# -- simulated users ----------------------------------------------------------------------------

EXIT_ACTIONS = ("g:erase",)  # a user who leaves ends the session; the walk avoids it


def choose_button(markup: Json | None, rng: random.Random) -> str | None:
    """What a user taps next: a flow option if there is one, else 'start again'."""
    if not markup:
        return None
    buttons = [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]
    options = [data for data in buttons if data.startswith("o:")]
    if options:
        return rng.choice(options)
    others = [data for data in buttons if data and data not in EXIT_ACTIONS]
    home = [data for data in others if data == "g:home"]
    return (home or others or [None])[0]


async def wait_reply(chat: ChatState, count: int, within: float) -> bool:
    """Wait until the chat has seen `count` replies in total."""
    deadline = time.monotonic() + within
    while len(chat.replies) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        chat.reply_event.clear()
        if len(chat.replies) >= count:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(chat.reply_event.wait(), remaining)
    return True


async def step(api: FakeApi, user_id: int, rng: random.Random, within: float = 30.0) -> float | None:
    """One closed-loop step: tap a button from the last reply (or /start); the reply's latency."""
    chat = api.chat(user_id)
    data = choose_button(chat.last_markup, rng)
    before = len(chat.replies)
    if data is None:
        api.send_text(user_id, "/start")
    else:
        api.press(user_id, data)
    if not await wait_reply(chat, before + 1, within):
        return None
    offered, answered, _ = chat.replies[before]
    return answered - offered


async def closed_loop(api: FakeApi, users: list[int], steps: int, rng: random.Random,
                      within: float = 60.0, think: float = 0.0) -> tuple[list[float], int]:
    """Every user takes `steps` steps, each after the previous reply; latencies and misses."""
    latencies: list[float] = []
    missed = 0

    async def walk(user_id: int) -> None:
        nonlocal missed
        for _ in range(steps):
            latency = await step(api, user_id, rng, within)
            if latency is None:
                missed += 1
                return
            latencies.append(latency)
            if think:
                await asyncio.sleep(think)

    await asyncio.gather(*(walk(user) for user in users))
    return latencies, missed
