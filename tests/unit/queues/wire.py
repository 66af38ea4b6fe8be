"""The SQS API in-process, called as boto3 calls it: botocore serializes and parses (JSON 1.0)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import botocore.session  # type: ignore[import-untyped]
from botocore.model import OperationModel  # type: ignore[import-untyped]
from botocore.parsers import create_parser  # type: ignore[import-untyped]
from botocore.serialize import create_serializer  # type: ignore[import-untyped]

from busway.api.app import App
from busway.api.sqs import sqs_api
from busway.clock import FakeClock
from busway.service.message_moves import MessageMoves
from busway.service.queues import MAX_IN_FLIGHT, QueueService
from busway.store.memory.queues import MemoryQueueStore
from tests.support.asgi import call_raw

ACCOUNT = "123456789012"
URL = f"http://127.0.0.1:4747/{ACCOUNT}"
_MODEL = botocore.session.get_session().get_service_model("sqs")
_SERIALIZER = create_serializer("json", include_validation=False)
_PARSER = create_parser("json")


class SqsError(Exception):
    def __init__(self, status: int, error: dict[str, Any], headers: dict[str, str]) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.code = error["Code"]  # the legacy code, as boto3 shows it
        self.shape = error.get("QueryErrorCode", error["Code"])  # picks the exception class
        self.message = error.get("Message", "")
        self.headers = headers


@dataclass
class Sqs:
    """A fresh SQS API over a MemoryQueueStore; each call runs to completion before returning."""

    clock: FakeClock = field(default_factory=FakeClock)
    store: MemoryQueueStore = field(default_factory=MemoryQueueStore)
    max_in_flight: int = MAX_IN_FLIGHT
    # The pauses message move tasks took: recorded, and waited for only while ``gate`` is set
    # and closed (a test holds a task running that way).
    paused: list[float] = field(default_factory=list)
    gate: asyncio.Event | None = None

    def __post_init__(self) -> None:
        self.queues = QueueService(self.store, self.clock, max_in_flight=self.max_in_flight)
        self.moves = MessageMoves(self.queues, self.clock, sleep=self._pause)
        self.app = App([sqs_api(self.queues, self.moves)], account=ACCOUNT)

    async def _pause(self, seconds: float) -> None:
        self.paused.append(seconds)
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)

    async def acall(self, operation: str, **params: Any) -> dict[str, Any]:
        model: OperationModel = _MODEL.operation_model(operation)
        request = _SERIALIZER.serialize_to_request(params, model)
        assert request["headers"]["X-Amz-Target"] == f"AmazonSQS.{operation}"
        status, headers, body = await call_raw(self.app, f"AmazonSQS.{operation}", request["body"])
        parsed: dict[str, Any] = _PARSER.parse(
            {"status_code": status, "headers": headers, "body": body}, model.output_shape
        )
        if "Error" in parsed:
            raise SqsError(status, parsed["Error"], headers)
        parsed.pop("ResponseMetadata", None)
        return parsed

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        return asyncio.run(self.acall(operation, **params))

    def create(self, name: str, **attributes: str) -> str:
        url: str = self("CreateQueue", QueueName=name, Attributes=attributes)["QueueUrl"]
        return url
