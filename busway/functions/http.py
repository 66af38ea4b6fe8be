"""Functions served over HTTP: the event is POSTed as JSON, any 2xx answer is a success."""

from __future__ import annotations

import asyncio
import uuid
from typing import Final

from busway.delivery.http_client import HttpClient, HttpError, HttpTimeout
from busway.functions.config import FunctionSpec
from busway.functions.result import RunResult

__all__ = ["HttpFunction"]

_MAX_RESPONSE_BYTES: Final = 1024 * 1024  # the answer is read (then dropped) up to this much


class HttpFunction:
    """At most ``spec.concurrency`` requests at once, each bounded by ``spec.timeout``.

    The pooled ``HttpClient`` is made lazily in the running event loop (its connections belong
    to the loop they were made in); ``close()`` is idempotent.
    """

    def __init__(self, spec: FunctionSpec) -> None:
        if spec.url is None:
            raise ValueError(f"function {spec.name} has no url")
        self._spec = spec
        self._url = spec.url
        self._slots = asyncio.Semaphore(spec.concurrency)
        self._http: HttpClient | None = None

    def _client(self) -> HttpClient:
        client = self._http
        if client is None:
            # The client uses no proxy (variables meant for the operator's shell must not
            # reroute calls to functions) and follows no redirect.
            client = self._http = HttpClient(
                max_connections=self._spec.concurrency, timeout=self._spec.timeout
            )
        return client

    async def run(self, invoked_arn: str, payload: str) -> RunResult:
        headers = [
            ("content-type", "application/json"),
            ("lambda-runtime-aws-request-id", str(uuid.uuid4())),
            ("lambda-runtime-invoked-function-arn", invoked_arn),
        ]
        async with self._slots:
            try:
                answer = await self._client().request(
                    "POST", self._url, headers, payload.encode(), max_body=_MAX_RESPONSE_BYTES
                )
            except HttpTimeout:
                return RunResult.failed("TIMEOUT", f"{self._url} did not answer in time")
            except HttpError as exc:  # connection failures and URLs that cannot be used
                return RunResult.failed("FUNCTION_ERROR", f"{self._url}: {exc!r}")
        status = answer.status
        if 200 <= status < 300:
            return RunResult(ok=True)
        return RunResult.failed("FUNCTION_ERROR", f"{self._url} answered {status}")

    async def close(self) -> None:
        client, self._http = self._http, None
        if client is not None:
            await client.close()
