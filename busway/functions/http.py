"""Functions served over HTTP: the event is POSTed as JSON, any 2xx answer is a success."""

from __future__ import annotations

import asyncio
import uuid
from typing import Final

import aiohttp

from busway.functions.config import FunctionSpec
from busway.functions.result import RunResult

__all__ = ["HttpFunction"]

_MAX_RESPONSE_BYTES: Final = 1024 * 1024  # the answer is read (then dropped) up to this much


class HttpFunction:
    """At most ``spec.concurrency`` requests at once, each bounded by ``spec.timeout``.

    The pooled ``aiohttp.ClientSession`` is made lazily in the running event loop (a session
    belongs to the loop it was made in); ``close()`` is idempotent.
    """

    def __init__(self, spec: FunctionSpec) -> None:
        if spec.url is None:
            raise ValueError(f"function {spec.name} has no url")
        self._spec = spec
        self._url = spec.url
        self._slots = asyncio.Semaphore(spec.concurrency)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None:
            # trust_env=False: proxy variables meant for the operator's shell must not reroute
            # calls to functions. Redirects are not followed (allow_redirects=False).
            session = self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._spec.concurrency, limit_per_host=0),
                timeout=aiohttp.ClientTimeout(total=self._spec.timeout),
                trust_env=False,
                skip_auto_headers=("Content-Type",),
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return session

    async def run(self, invoked_arn: str, payload: str) -> RunResult:
        headers = {
            "content-type": "application/json",
            "lambda-runtime-aws-request-id": str(uuid.uuid4()),
            "lambda-runtime-invoked-function-arn": invoked_arn,
        }
        async with self._slots:
            try:
                async with self._client().post(
                    self._url, data=payload.encode(), headers=headers, allow_redirects=False
                ) as answer:
                    status = answer.status
                    await _drain(answer.content)
            except TimeoutError:  # aiohttp's timeouts are TimeoutErrors too
                return RunResult.failed("TIMEOUT", f"{self._url} did not answer in time")
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                return RunResult.failed("FUNCTION_ERROR", f"{self._url}: {exc!r}")
        if 200 <= status < 300:
            return RunResult(ok=True)
        return RunResult.failed("FUNCTION_ERROR", f"{self._url} answered {status}")

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


async def _drain(content: aiohttp.StreamReader) -> None:
    """Read the answer (bounded) so the connection can be reused; its content is not needed."""
    received = 0
    while received < _MAX_RESPONSE_BYTES and not content.at_eof():
        chunk = await content.read(_MAX_RESPONSE_BYTES - received)
        if not chunk:
            break
        received += len(chunk)
