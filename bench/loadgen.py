"""Load generation on loopback for the benchmarks: raw keep-alive HTTP, latency summaries.

boto3 costs milliseconds of CPU per call, which would measure the client rather than busway, so
the benchmarks send pre-encoded AWS JSON requests over plain asyncio connections instead.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import boto3
import uvloop
from botocore.config import Config

AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20240102/us-east-1/events/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0"
)
RESPONSE_TIMEOUT_S = 30
T = TypeVar("T")


def machine() -> str:
    return (
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {speed()}"
    )


def speed() -> str:
    """How fast this machine runs Python right now: a shared or throttled host swings by tens
    of percent between runs, and figures of different runs compare only alongside this."""
    started = time.perf_counter()
    total = 0
    for n in range(CALIBRATION_LOOPS):
        total += n
    return f"calibration: {CALIBRATION_LOOPS:,} loop iterations in {time.perf_counter() - started:.2f}s"


CALIBRATION_LOOPS = 10_000_000


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def put_events_request(port: int, body: bytes) -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSEvents.PutEvents\r\n"
        f"Authorization: {AUTH}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


class Connection:
    """One keep-alive connection; ``send`` returns the answer's status and body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self._writer.write(request)
        # Not wait_for: on Python 3.11 it wraps every call in a task of its own.
        async with asyncio.timeout(RESPONSE_TIMEOUT_S):
            return await read_response(self._reader)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


def all_accepted(status: int, body: bytes) -> bool:
    return status == 200 and b'"FailedEntryCount":0' in body.replace(b" ", b"")


async def blast(
    port: int, requests: list[bytes], connections: int
) -> tuple[float, list[float], list[str]]:
    """Send every request as fast as ``connections`` connections allow; time and latencies."""
    shares = [requests[i::connections] for i in range(connections)]
    latencies: list[float] = []
    errors: list[str] = []

    async def run(share: list[bytes]) -> None:
        connection = await Connection.open(port)
        try:
            for request in share:
                started = time.perf_counter()
                status, body = await connection.send(request)
                latencies.append(time.perf_counter() - started)
                if not all_accepted(status, body):
                    errors.append(body[:200].decode(errors="replace"))
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(run(share) for share in shares))
    return time.perf_counter() - started, latencies, errors


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop: the load generator's CPU comes out of the same two cores as
    busway's, so it should spend as little as it can."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]
