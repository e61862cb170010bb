"""A fake Telegram Bot API server on 127.0.0.1, and a scripted user to talk through it.

The real python-telegram-bot `Application` talks HTTP to this server exactly as it would to
api.telegram.org (`TELEGRAM_API_BASE_URL`). The server keeps what Telegram keeps — pending
updates, each chat's messages with their ids, open callback queries, the webhook — answers in
the Bot API's JSON shapes, records every call, and can be told to fail (429 with retry_after,
500, delays) or be down for a while (`down`: every call, or only some methods, answers an error
or drops the connection until it is set back to None). `FakeUser` sends /start, types text and
presses buttons by (part of) their label, and waits for the bot's answer, so tests read like a
transcript.

PTB sends `application/x-www-form-urlencoded` bodies whose values are strings, and Wegwijzer's
replies come as `application/json` bodies with the same string values (`bot.telegram.request`):
either way objects and lists (`reply_markup`, `message_ids`, ...) arrive JSON-encoded and numbers
as decimal strings, and are decoded here as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

TOKEN = "123456789:AAHfakeTokenForTheWegwijzerTests-0123456"
BOT_ID = 123456789
BOT_USERNAME = "wegwijzer_test_bot"
JSON_FIELDS = frozenset({"reply_markup", "allowed_updates", "commands", "message_ids", "scope",
                         "entities", "link_preview_options", "reply_parameters"})
INT_FIELDS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout",
                        "max_connections", "cache_time"})
REPLY_METHODS = frozenset({"sendMessage", "editMessageText"})
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64

Json = dict[str, Any]


class _Dropped(Exception):
    """The fake closes the connection without answering, as a dying proxy would."""


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    """One request the bot made, as the server saw it."""

    method: str
    params: Json
    status: int
    at: float
    result: Any = None
    body_type: str = ""  # the Content-Type the request's body came as

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None


@dataclass
class Fault:
    method: str
    status: int | None = None  # None: only a delay
    retry_after: int | None = None
    description: str = "Internal Server Error"
    delay: float = 0.0


@dataclass
class ChatLog:
    """Every message of one chat, the user's and the bot's, by id; deleted ones are marked."""

    chat: Json
    messages: dict[int, Json] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    next_id: int = 1

    def new_id(self) -> int:
        message_id = self.next_id
        self.next_id += 1
        return message_id

    def visible(self) -> list[Json]:
        return [m for i, m in sorted(self.messages.items()) if i not in self.deleted]


class FakeBotApi:
    """An in-process Bot API server. Use `async with FakeBotApi() as api:`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.chats: dict[int, ChatLog] = {}
        self.commands: dict[str, list[Json]] = {}
        self.webhook: Json | None = None
        self.webhook_deliveries: list[int] = []  # HTTP status of each POST to the webhook
        self.faults: list[Fault] = []
        self.latency = 0.0  # seconds added to every method except getUpdates
        # An outage until set back to None: "500", "502" (that status) or "drop" (the connection
        # is closed without an answer), for `down_methods` or, when that is None, every method.
        self.down: str | None = None
        self.down_methods: frozenset[str] | None = None
        self._pending: list[Json] = []
        self._history: list[Json] = []  # every update queued for getUpdates, for `redeliver`
        self._update_ids = itertools.count(1)
        self._confirmed = 0  # highest update_id the bot confirmed by a later offset
        self._queries: dict[str, tuple[int, int]] = {}
        self._query_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
        if self._server is not None:
            self._server.close()
            for writer in list(self._connections):
                writer.close()
            await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- what tests arrange --------------------------------------------------------------------

    def fail_next(self, method: str, status: int | None = 500, *, retry_after: int | None = None,
                  description: str | None = None, delay: float = 0.0, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail (or only wait, with status=None)."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}"
                           if status == 429 else "Internal Server Error")
        for _ in range(times):
            self.faults.append(Fault(method, status, retry_after, description, delay))

    def chat_log(self, chat: Json) -> ChatLog:
        log = self.chats.get(chat["id"])
        if log is None:
            log = self.chats[chat["id"]] = ChatLog(chat)
        return log

    def push_update(self, update: Json) -> int:
        """Queue an update as Telegram would (or POST it to the webhook, if one is set)."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        if self.webhook is not None:
            task = asyncio.get_running_loop().create_task(self._deliver(update))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._pending.append(update)
            self._history.append(update)
            self._notify()
        return update_id

    def redeliver(self) -> None:
        """Offer every update again, as Telegram does when the bot died before confirming them."""
        self._pending = list(self._history)
        self._confirmed = 0
        self._notify()

    def push_message(self, sender: Json, chat: Json, **content: Any) -> Json:
        """A message from `sender` in `chat` with `text=...` or any other content."""
        log = self.chat_log(chat)
        message = {"message_id": log.new_id(), "from": sender, "chat": chat,
                   "date": int(content.pop("date", time.time())), **content}
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        log.messages[message["message_id"]] = message
        key = "channel_post" if chat.get("type") == "channel" else "message"
        self.push_update({key: message})
        return message

    def push_callback(self, sender: Json, message: Json, data: str) -> str:
        query_id = f"q{next(self._query_ids)}"
        self._queries[query_id] = (message["chat"]["id"], message["message_id"])
        self.push_update({"callback_query": {
            "id": query_id, "from": sender, "message": message,
            "chat_instance": "-4242", "data": data,
        }})
        return query_id

    # -- what tests read -----------------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    async def wait_for(self, predicate: Callable[[Call], bool], *, after: int = 0,
                       within: float = 10.0) -> Call:
        """The first call at index >= `after` that matches, waiting for it if needed."""
        async def first() -> Call:
            async with self._changed:
                while True:
                    for call in self.calls[after:]:
                        if predicate(call):
                            return call
                    await self._changed.wait()

        return await asyncio.wait_for(first(), within)

    async def settle(self, *, quiet: float = 0.3, within: float = 10.0) -> None:
        """Wait until the bot fetched every queued update and then made no call for `quiet` s."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            fetched = not self._pending or self._confirmed >= self._pending[-1]["update_id"]
            seen = len(self.calls)
            await asyncio.sleep(quiet)
            quiet_enough = all(c.method == "getUpdates" for c in self.calls[seen:])
            if fetched and quiet_enough and not self._tasks:
                return
        raise TimeoutError("the bot kept making calls (or never fetched its updates)")

    # -- HTTP ----------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line.strip():
                    break
                _verb, target, _version = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                try:
                    status, payload = await self._respond(target, headers, body)
                except _Dropped:
                    break
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode() + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _respond(self, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Json]:
        path = urlsplit(target).path
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix):]
        body_type = headers.get("content-type", "")
        params = _decode(body_type, body)
        if self.down is not None and (self.down_methods is None or method in self.down_methods):
            dropped = self.down == "drop"
            status = 0 if dropped else int(self.down)
            await self._record(Call(method, params, status, time.monotonic(), body_type=body_type))
            if dropped:
                raise _Dropped
            return status, {"ok": False, "error_code": status, "description": "Bad Gateway"
                            if status == 502 else "Internal Server Error"}
        fault = next((f for f in self.faults if f.method == method), None)
        if fault is not None:
            self.faults.remove(fault)
            await asyncio.sleep(fault.delay)
        if method != "getUpdates" and self.latency:
            await asyncio.sleep(self.latency)
        if fault is not None and fault.status is not None:
            error: Json = {"ok": False, "error_code": fault.status,
                           "description": fault.description}
            if fault.retry_after is not None:
                error["parameters"] = {"retry_after": fault.retry_after}
            await self._record(Call(method, params, fault.status, time.monotonic(), body_type=body_type))
            return fault.status, error
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            await self._record(Call(method, params, 404, time.monotonic(), body_type=body_type))
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            result = await handler(params)
        except ApiError as api_error:
            await self._record(Call(method, params, api_error.status, time.monotonic(), body_type=body_type))
            answer: Json = {"ok": False, "error_code": api_error.status,
                            "description": api_error.description}
            if api_error.parameters:
                answer["parameters"] = api_error.parameters
            return api_error.status, answer
        await self._record(Call(method, params, 200, time.monotonic(), result, body_type))
        return 200, {"ok": True, "result": result}

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(wake())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, update: Json) -> None:
        """POST an update to the webhook, as Telegram does, with the secret header."""
        assert self.webhook is not None
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        headers = {"Content-Type": "application/json"}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        try:
            response = await self._client.post(self.webhook["url"], content=json.dumps(update),
                                               headers=headers)
        except httpx.HTTPError:
            self.webhook_deliveries.append(0)  # Telegram would retry later; tests push again
            return
        self.webhook_deliveries.append(response.status_code)

    # -- Bot API methods -----------------------------------------------------------------------

    def _bot_user(self) -> Json:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Wegwijzer",
                "username": BOT_USERNAME, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _m_getme(self, params: Json) -> Json:
        return self._bot_user()

    async def _m_getupdates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = params.get("offset", 0)
        if offset:
            self._confirmed = max(self._confirmed, offset - 1)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = params.get("limit", 100) or 100
        deadline = time.monotonic() + float(params.get("timeout", 0) or 0)
        async with self._changed:
            while True:
                ready = [u for u in self._pending if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    return ready
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    def _message(self, chat_id: int, params: Json) -> tuple[ChatLog, Json]:
        log = self.chats.get(chat_id)
        if log is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or message_id not in log.messages \
                or message_id in log.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return log, log.messages[message_id]

    @staticmethod
    def _check_content(params: Json) -> None:
        text = params.get("text", "")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not data or len(data.encode()) > MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def _m_sendmessage(self, params: Json) -> Json:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        self._check_content(params)
        log = self.chats.get(chat_id) or self.chat_log({"id": chat_id, "type": "private"})
        message: Json = {"message_id": log.new_id(), "from": self._bot_user(), "chat": log.chat,
                         "date": int(time.time()), "text": params["text"]}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        log.messages[message["message_id"]] = message
        return message

    async def _m_editmessagetext(self, params: Json) -> Json:
        self._check_content(params)
        _log, message = self._message(params.get("chat_id", 0), params)
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        message["text"] = params["text"]
        message["edit_date"] = int(time.time())
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_answercallbackquery(self, params: Json) -> bool:
        if self._queries.pop(str(params.get("callback_query_id")), None) is None:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        return True

    async def _m_deletemessage(self, params: Json) -> bool:
        log = self.chats.get(params.get("chat_id", 0))
        message_id = params.get("message_id")
        if log is None or message_id not in log.messages or message_id in log.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        log.deleted.add(message_id)
        return True

    async def _m_deletemessages(self, params: Json) -> bool:
        ids = params.get("message_ids") or []
        if not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: too many messages to delete" if ids
                           else "Bad Request: message identifiers are not specified")
        log = self.chats.get(params.get("chat_id", 0))
        if log is None:
            raise ApiError(400, "Bad Request: chat not found")
        log.deleted.update(i for i in ids if i in log.messages)  # unknown ids are skipped
        return True

    async def _m_setmycommands(self, params: Json) -> bool:
        self.commands[params.get("language_code") or ""] = params.get("commands") or []
        return True

    async def _m_getmycommands(self, params: Json) -> list[Json]:
        return self.commands.get(params.get("language_code") or "", [])

    async def _m_setwebhook(self, params: Json) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _m_deletewebhook(self, params: Json) -> bool:
        self.webhook = None
        return True

    async def _m_getwebhookinfo(self, params: Json) -> Json:
        return {"url": self.webhook["url"] if self.webhook else "",
                "has_custom_certificate": False, "pending_update_count": len(self._pending)}

    async def _m_close(self, params: Json) -> bool:
        return True

    async def _m_logout(self, params: Json) -> bool:
        return True


def _decode(content_type: str, body: bytes) -> Json:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
        pairs = list(decoded.items()) if isinstance(decoded, dict) else []
    else:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
    params: Json = {}
    for key, value in pairs:
        # As Telegram does: objects and numbers may come as (JSON) strings, in a form or in JSON
        if isinstance(value, str) and key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif isinstance(value, str) and key in INT_FIELDS and value.lstrip("-").isdigit():
            params[key] = int(value)
        else:
            params[key] = value
    return params


# -- the scripted user ----------------------------------------------------------------------------

STICKER = {"sticker": {"file_id": "CAACAgIAAx0", "file_unique_id": "AgADsticker", "type": "regular",
                       "width": 512, "height": 512, "is_animated": False, "is_video": False}}
PHOTO = {"photo": [{"file_id": "AgACAgQAAx0", "file_unique_id": "AQADphoto", "width": 90,
                    "height": 90}]}
VOICE = {"voice": {"file_id": "AwACAgQAAx0", "file_unique_id": "AgADvoice", "duration": 3}}
DOCUMENT = {"document": {"file_id": "BQACAgQAAx0", "file_unique_id": "AgADdoc",
                         "file_name": "aangifte.pdf"}}
LOCATION = {"location": {"latitude": 52.0799, "longitude": 4.3113}}


class FakeUser:
    """One person in one chat (private unless `chat` says otherwise)."""

    def __init__(self, api: FakeBotApi, user_id: int = 5550001, *, first_name: str = "Anna",
                 last_name: str | None = None, username: str | None = None,
                 language_code: str | None = "nl", chat: Json | None = None) -> None:
        self.api = api
        self.user: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        self.chat: Json = chat or {"id": user_id, "type": "private", "first_name": first_name,
                                   **({"username": username} if username else {})}
        api.chat_log(self.chat)

    @property
    def log(self) -> ChatLog:
        return self.api.chat_log(self.chat)

    # -- acting ---------------------------------------------------------------------------------

    async def send(self, text: str, *, wait: bool = True) -> str:
        """Type a message (or a /command) and return the text of the bot's answer."""
        mark = len(self.api.calls)
        self.api.push_message(self.user, self.chat, text=text)
        return await self._answer(mark) if wait else ""

    async def start(self, payload: str | None = None) -> str:
        return await self.send(f"/start {payload}" if payload else "/start")

    async def share(self, content: Json, *, wait: bool = True) -> str:
        """Send a sticker, photo, voice note, file, location or contact."""
        mark = len(self.api.calls)
        self.api.push_message(self.user, self.chat, **content)
        return await self._answer(mark) if wait else ""

    async def edit_last(self, text: str) -> str:
        """Edit this user's last message, as Telegram reports it (an edited_message update)."""
        mine = [m for m in self.log.visible() if m.get("from", {}).get("id") == self.user["id"]]
        original = mine[-1]
        mark = len(self.api.calls)
        self.api.push_update({"edited_message": {**original, "text": text,
                                                 "edit_date": int(time.time())}})
        return await self._answer(mark)

    async def press(self, label: str, *, wait: bool = True) -> str:
        """Press the button whose label contains `label` on the bot's last message."""
        message = self.last_bot_message()
        data = self.button_data(label, message)
        mark = len(self.api.calls)
        self.api.push_callback(self.user, message, data)
        return await self._answer(mark) if wait else ""

    async def _answer(self, mark: int) -> str:
        chat_id = self.chat["id"]
        call = await self.api.wait_for(
            lambda c: c.ok and c.method in REPLY_METHODS and c.chat_id == chat_id, after=mark)
        return str(call.params["text"])

    # -- seeing ---------------------------------------------------------------------------------

    def bot_messages(self) -> list[Json]:
        return [m for m in self.log.visible() if m.get("from", {}).get("id") == BOT_ID]

    def last_bot_message(self) -> Json:
        messages = self.bot_messages()
        assert messages, "the bot has not said anything in this chat"
        return messages[-1]

    @staticmethod
    def labels(message: Json) -> list[str]:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def button_data(self, label: str, message: Json | None = None) -> str:
        message = message or self.last_bot_message()
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        wanted = label.casefold()
        for row in rows:
            for button in row:
                if wanted in button["text"].casefold():
                    return str(button["callback_data"])
        raise AssertionError(f"no button with {label!r}; the buttons are {self.labels(message)}")

    def transcript(self) -> str:
        lines = []
        for message in self.log.visible():
            who = "bot" if message.get("from", {}).get("id") == BOT_ID else "user"
            lines.append(f"{who}: {message.get('text', '<' + _kind(message) + '>')}")
        return "\n".join(lines)


def _kind(message: Json) -> str:
    for kind in ("sticker", "photo", "voice", "document", "location", "contact"):
        if kind in message:
            return kind
    return "other"
