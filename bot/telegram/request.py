"""PTB's HTTP requests with a JSON body instead of a form.

python-telegram-bot's `HTTPXRequest` posts every call as `application/x-www-form-urlencoded`, and
httpx percent-encodes that body byte by byte in Python: 109 µs for one of our screens (about
1,100 characters and six buttons) against 30 µs as JSON, on every reply. The Bot API takes
`application/json` for every method without a file (core.telegram.org/bots/api, "Making
requests"), so replies go as JSON through this `BaseRequest`, PTB's public interface for
custom networking, on PTB's own payload (`RequestData.json_payload`, which PTB documents for this
use). A call with a file, which Wegwijzer never makes, still goes as a multipart form. The
time-outs and the errors (`TimedOut`, `NetworkError`) are HTTPXRequest's.
"""

from __future__ import annotations

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}
FORM_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}


class JsonRequest(BaseRequest):
    """One pool of HTTP/1.1 connections to the Bot API; bodies as JSON."""

    __slots__ = ("_client", "_limits", "_timeout")

    def __init__(
        self, *, connection_pool_size: int, connect_timeout: float, read_timeout: float,
        write_timeout: float, pool_timeout: float,
    ) -> None:
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout,
                                      write=write_timeout, pool=pool_timeout)
        self._limits = httpx.Limits(max_connections=connection_pool_size)
        self._client = self._new_client()

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeout, limits=self._limits, http1=True,
                                 http2=False)

    @property
    def read_timeout(self) -> float | None:
        return self._timeout.read

    async def initialize(self) -> None:
        if self._client.is_closed:
            self._client = self._new_client()

    async def shutdown(self) -> None:
        if not self._client.is_closed:
            await self._client.aclose()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._client.is_closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        timeout = httpx.Timeout(
            connect=_chosen(connect_timeout, self._timeout.connect),
            read=_chosen(read_timeout, self._timeout.read),
            write=_chosen(write_timeout, self._timeout.write),
            pool=_chosen(pool_timeout, self._timeout.pool),
        )
        try:
            if request_data is None:
                response = await self._client.request(method, url, headers=FORM_HEADERS,
                                                      timeout=timeout)
            elif request_data.contains_files:
                response = await self._client.request(
                    method, url, headers=FORM_HEADERS, timeout=timeout,
                    files=request_data.multipart_data, data=request_data.json_parameters)
            else:
                response = await self._client.request(
                    method, url, headers=JSON_HEADERS, timeout=timeout,
                    content=request_data.json_payload)
        except httpx.TimeoutException as error:
            if isinstance(error, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: every connection is in use; the request was not "
                               "sent to Telegram") from error
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{type(error).__name__}: {error}") from error
        return response.status_code, response.content


def _chosen(value: float | object | None, default: float | None) -> float | None:
    """A time-out given for this call, or the pool's default when PTB passed none."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value if value is None or isinstance(value, int | float) else default
