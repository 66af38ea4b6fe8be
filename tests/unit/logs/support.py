"""The Logs API in-process, called exactly as botocore serializes and parses it."""

from __future__ import annotations

import asyncio
from typing import Any

import botocore.session  # type: ignore[import-untyped]
from botocore.model import OperationModel  # type: ignore[import-untyped]
from botocore.parsers import create_parser  # type: ignore[import-untyped]
from botocore.serialize import create_serializer  # type: ignore[import-untyped]

from busway.api.app import App
from busway.api.logs import logs_api
from busway.clock import FakeClock
from busway.model import Scope
from busway.service.logs import LogService
from busway.store.memory.log_groups import MemoryLogGroupStore
from tests.support.asgi import call_raw

SCOPE = Scope("123456789012", "us-east-1")
_MODEL = botocore.session.get_session().get_service_model("logs")
_SERIALIZER = create_serializer("json", include_validation=True)
_PARSER = create_parser("json")


class AwsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class LogsApi:
    """One event loop for the whole test, so the service's store lives across calls."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.service = LogService(MemoryLogGroupStore(), self.clock)
        self.app = App([logs_api(self.service)], account=SCOPE.account)
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        model: OperationModel = _MODEL.operation_model(operation)
        request = _SERIALIZER.serialize_to_request(params, model)
        target = request["headers"]["X-Amz-Target"]
        status, headers, body = self.loop.run_until_complete(
            call_raw(self.app, target, request["body"])
        )
        parsed: dict[str, Any] = _PARSER.parse(
            {"status_code": status, "headers": headers, "body": body}, model.output_shape
        )
        if "Error" in parsed:
            raise AwsError(status, parsed["Error"]["Code"], parsed["Error"]["Message"])
        parsed.pop("ResponseMetadata", None)
        return parsed

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)
