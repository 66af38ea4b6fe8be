"""Deliveries to ``arn:aws:lambda:<region>:<account>:function:<name>``: functions busway runs.

Functions are declared in the config file (``busway.functions``). Each (account, region,
function) gets its own runner, created on first use: a pool of worker processes for a Python
handler, whose output goes to the log group ``/aws/lambda/<name>``, or an HTTP client for a
``url``. A function that fails, crashes or times out is retried (the Outcome is retryable); an
undeclared one is NO_RESOURCE. Any qualifier (``:$LATEST``, an alias) runs the one declaration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from busway.clock import Clock
from busway.delivery.target import Invocation, Outcome
from busway.functions.config import FunctionSpec
from busway.functions.http import HttpFunction
from busway.functions.pool import WorkerPool
from busway.functions.result import FunctionRunner
from busway.model import Scope
from busway.service.logs import LogService, epoch_ms
from busway.store.log_groups import NewLogEvent

__all__ = ["LambdaTarget", "parse_function_arn"]


def parse_function_arn(arn: str) -> tuple[Scope, str] | None:
    """(scope, function name) of a Lambda function ARN, with or without a qualifier."""
    parts = arn.split(":")
    if len(parts) not in (7, 8) or parts[0] != "arn" or parts[2] != "lambda":
        return None
    if parts[5] != "function" or not parts[6]:
        return None
    return Scope(parts[4], parts[3]), parts[6]


class LambdaTarget:
    def __init__(
        self, functions: Mapping[str, FunctionSpec], logs: LogService, clock: Clock
    ) -> None:
        self._functions = functions
        self._logs = logs
        self._clock = clock
        self._runners: dict[tuple[Scope, str], FunctionRunner] = {}
        self._closed = False

    async def invoke(self, invocation: Invocation) -> Outcome:
        located = parse_function_arn(invocation.target.arn)
        spec = self._functions.get(located[1]) if located else None
        if located is None or spec is None:
            message = f"Function not found: {invocation.target.arn}"
            return Outcome.failure("NO_RESOURCE", message, retryable=False)
        if self._closed:
            return Outcome.failure("INTERNAL_ERROR", "busway is shutting down", retryable=True)
        runner = self._runner(located[0], spec)
        result = await runner.run(invocation.target.arn, invocation.payload)
        if result.ok:
            return Outcome.success()
        code = result.error_code or "FUNCTION_ERROR"
        return Outcome.failure(code, result.error_message or code, retryable=True)

    def _runner(self, scope: Scope, spec: FunctionSpec) -> FunctionRunner:
        key = (scope, spec.name)
        runner = self._runners.get(key)
        if runner is None:
            runner = self._runners[key] = self._make_runner(scope, spec)
        return runner

    def _make_runner(self, scope: Scope, spec: FunctionSpec) -> FunctionRunner:
        if spec.url is not None:
            return HttpFunction(spec)
        group = f"/aws/lambda/{spec.name}"

        async def sink(stream: str, lines: Sequence[str]) -> None:
            now = epoch_ms(self._clock.now())
            await self._logs.append(scope, group, stream, [NewLogEvent(now, t) for t in lines])

        env = {"AWS_REGION": scope.region, "AWS_DEFAULT_REGION": scope.region}
        return WorkerPool(spec, self._clock, sink, env=env)

    async def close(self) -> None:
        self._closed = True
        runners = list(self._runners.values())
        self._runners.clear()
        await asyncio.gather(*(runner.close() for runner in runners))
