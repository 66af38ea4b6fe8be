"""Functions served over HTTP: the event is POSTed as JSON, any 2xx answer is a success."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from busway.functions.config import FunctionSpec
from busway.functions.result import RunResult

__all__ = ["HttpFunction"]


class HttpFunction:
    """At most ``spec.concurrency`` requests at once, each bounded by ``spec.timeout``."""

    def __init__(self, spec: FunctionSpec) -> None:
        if spec.url is None:
            raise ValueError(f"function {spec.name} has no url")
        self._spec = spec
        self._url = spec.url
        self._slots = asyncio.Semaphore(spec.concurrency)
        limits = httpx.Limits(max_connections=spec.concurrency)
        self._client = httpx.AsyncClient(timeout=spec.timeout, limits=limits)

    async def run(self, invoked_arn: str, payload: str) -> RunResult:
        headers = {
            "content-type": "application/json",
            "lambda-runtime-aws-request-id": str(uuid.uuid4()),
            "lambda-runtime-invoked-function-arn": invoked_arn,
        }
        async with self._slots:
            try:
                answer = await self._client.post(self._url, content=payload, headers=headers)
            except httpx.TimeoutException:
                return RunResult.failed("TIMEOUT", f"{self._url} did not answer in time")
            except httpx.HTTPError as exc:
                return RunResult.failed("FUNCTION_ERROR", f"{self._url}: {exc!r}")
        if answer.is_success:
            return RunResult(ok=True)
        return RunResult.failed("FUNCTION_ERROR", f"{self._url} answered {answer.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
