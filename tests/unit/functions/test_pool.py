"""LambdaTarget with real worker processes running the handlers in ``handlers/``."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence

import pytest

from busway.clock import FakeClock
from busway.functions import FunctionSpec
from busway.functions.pool import WorkerPool
from tests.unit.functions.support import (
    SCOPE,
    Harness,
    function_arn,
    invocation,
    python_function,
    run,
)

pytestmark = pytest.mark.timeout(60)

ORDER = json.dumps({"detail": {"name": "Ada"}})


def test_success_and_print_go_to_the_function_log_group() -> None:
    harness = Harness(python_function("greeter", "basic:greet"))

    async def body() -> None:
        outcome = await harness.target.invoke(invocation(function_arn("greeter"), ORDER))
        assert outcome.delivered
        lines = await harness.log_lines("greeter")
        assert lines[0].startswith("START RequestId: ")
        assert lines[0].endswith(" Version: $LATEST")
        assert lines[1:3] == ["hello Ada", "to stderr"]
        assert lines[3].startswith("END RequestId: ")
        assert lines[4].startswith("REPORT RequestId: ")
        assert "\tMemory Size: 128 MB\t" in lines[4]

    run(harness, body)


def test_workers_are_reused_and_log_to_one_stream() -> None:
    harness = Harness(python_function("greeter", "basic:greet", concurrency=1))

    async def body() -> None:
        for _ in range(3):
            assert (
                await harness.target.invoke(invocation(function_arn("greeter"), ORDER))
            ).delivered
        streams = await harness.logs.list_streams(SCOPE, "/aws/lambda/greeter")
        assert len(streams) == 1
        assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", streams[0].name)

    run(harness, body)


def test_context_and_environment_are_lambda_like() -> None:
    spec = python_function("ctx", "basic:show_context", env={"GREETING": "hi"}, timeout=5.0)
    harness = Harness(spec)

    async def body() -> None:
        arn = function_arn("ctx")
        assert (await harness.target.invoke(invocation(arn, "{}"))).delivered
        lines = await harness.log_lines("ctx")
        seen = json.loads(lines[1])
        request_id = lines[0].split()[2]
        assert seen["function_name"] == "ctx"
        assert seen["function_version"] == "$LATEST"
        assert seen["invoked_function_arn"] == arn
        assert seen["memory_limit_in_mb"] == "128"
        assert seen["aws_request_id"] == request_id
        assert seen["log_group_name"] == "/aws/lambda/ctx"
        streams = await harness.logs.list_streams(SCOPE, "/aws/lambda/ctx")
        assert seen["log_stream_name"] == streams[0].name
        assert 0 < seen["remaining"] <= 5000
        assert seen["env"] == "hi"
        assert seen["region"] == "us-east-1"

    run(harness, body)


def test_each_invocation_gets_a_new_request_id() -> None:
    harness = Harness(python_function("greeter", "basic:greet", concurrency=1))

    async def body() -> None:
        for _ in range(2):
            await harness.target.invoke(invocation(function_arn("greeter"), ORDER))
        lines = await harness.log_lines("greeter")
        ids = [line.split()[2] for line in lines if line.startswith("START")]
        assert len(set(ids)) == 2

    run(harness, body)


def test_an_exception_is_a_retryable_failure_and_is_logged() -> None:
    harness = Harness(python_function("failing", "basic:fail"))

    async def body() -> None:
        outcome = await harness.target.invoke(invocation(function_arn("failing"), "{}"))
        assert not outcome.delivered
        assert outcome.retryable
        assert outcome.error_code == "FUNCTION_ERROR"
        assert outcome.error_message == "ValueError: no such order"
        lines = await harness.log_lines("failing")
        assert "Traceback (most recent call last):" in lines
        assert "ValueError: no such order" in lines

    run(harness, body)


def test_a_timeout_kills_the_worker_and_a_new_one_serves_next() -> None:
    harness = Harness(python_function("slow", "basic:sleep", timeout=0.5, concurrency=1))

    async def body() -> None:
        slow = json.dumps({"seconds": 30})
        outcome = await harness.target.invoke(invocation(function_arn("slow"), slow))
        assert not outcome.delivered
        assert outcome.retryable
        assert outcome.error_code == "TIMEOUT"
        assert outcome.error_message == "Task timed out after 0.50 seconds"
        quick = json.dumps({"seconds": 0})
        assert (await harness.target.invoke(invocation(function_arn("slow"), quick))).delivered
        lines = await harness.log_lines("slow")
        assert any(line.endswith("Task timed out after 0.50 seconds") for line in lines)
        streams = await harness.logs.list_streams(SCOPE, "/aws/lambda/slow")
        assert len(streams) == 2  # the killed worker's and its replacement's

    run(harness, body)


def test_a_crash_is_retryable_and_the_worker_is_replaced() -> None:
    harness = Harness(
        python_function("crashy", "basic:crash", concurrency=1),
        python_function("greeter", "basic:greet"),
    )

    async def body() -> None:
        outcome = await harness.target.invoke(invocation(function_arn("crashy"), "{}"))
        assert not outcome.delivered
        assert outcome.retryable
        assert outcome.error_message == "Runtime exited with error: exit status 7"
        assert "about to crash" in await harness.log_lines("crashy")
        again = await harness.target.invoke(invocation(function_arn("crashy"), "{}"))
        assert again.error_message == "Runtime exited with error: exit status 7"

    run(harness, body)


def test_concurrency_bounds_the_worker_processes() -> None:
    harness = Harness(python_function("pids", "basic:pid", concurrency=2))

    async def body() -> None:
        arn = function_arn("pids")
        outcomes = await asyncio.gather(
            *(harness.target.invoke(invocation(arn, "{}")) for _ in range(6))
        )
        assert all(outcome.delivered for outcome in outcomes)
        lines = await harness.log_lines("pids")
        pids = {line for line in lines if line.startswith("pid ")}
        assert len(pids) == 2

    run(harness, body)


def test_the_aws_documentation_example_runs_unchanged() -> None:
    harness = Harness(python_function("example", "aws_example:lambda_handler"))
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
    }

    async def body() -> None:
        arn = function_arn("example")
        assert (await harness.target.invoke(invocation(arn, json.dumps(event)))).delivered
        assert "i-1234567890abcdef0" in await harness.log_lines("example")

    run(harness, body)


def test_an_unknown_function_is_no_resource_and_not_retried() -> None:
    harness = Harness()

    async def body() -> None:
        outcome = await harness.target.invoke(invocation(function_arn("nobody"), "{}"))
        assert outcome.error_code == "NO_RESOURCE"
        assert not outcome.retryable

    run(harness, body)


def test_a_qualified_arn_runs_the_declared_function() -> None:
    harness = Harness(python_function("greeter", "basic:greet"))

    async def body() -> None:
        arn = function_arn("greeter") + ":$LATEST"
        assert (await harness.target.invoke(invocation(arn, ORDER))).delivered

    run(harness, body)


def test_an_import_error_is_a_retryable_failure() -> None:
    harness = Harness(python_function("broken", "no_such_module:handler"))

    async def body() -> None:
        outcome = await harness.target.invoke(invocation(function_arn("broken"), "{}"))
        assert outcome.retryable
        assert outcome.error_message is not None
        assert outcome.error_message.startswith("ModuleNotFoundError")

    run(harness, body)


def test_a_pool_needs_a_handler() -> None:
    async def sink(stream: str, lines: Sequence[str]) -> None:
        return None

    with pytest.raises(ValueError, match="has no handler"):
        WorkerPool(FunctionSpec("web", url="http://127.0.0.1:9/"), FakeClock(), sink, env={})
