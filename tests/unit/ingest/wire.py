"""Calling the in-process App the way boto3 does: botocore serializes and parses."""

from __future__ import annotations

import asyncio
from typing import Any

import botocore.session  # type: ignore[import-untyped]
from botocore.model import OperationModel  # type: ignore[import-untyped]
from botocore.parsers import create_parser  # type: ignore[import-untyped]
from botocore.serialize import create_serializer  # type: ignore[import-untyped]

from busway.api.app import App
from busway.api.awsjson import JsonService
from busway.api.events.put_events import ingest_operations
from busway.api.events.test_event_pattern import event_pattern_operations
from busway.service.ingest import IngestService
from tests.support.asgi import call_raw

_MODEL = botocore.session.get_session().get_service_model("events")
_SERIALIZER = create_serializer("json", include_validation=False)
_PARSER = create_parser("json")


class AwsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def events_app(ingest: IngestService) -> App:
    operations = {**ingest_operations(ingest), **event_pattern_operations()}
    service = JsonService("AWSEvents", "application/x-amz-json-1.1", operations)
    return App([service], account="123456789012")


def boto_call(app: App, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Serialize ``params`` as botocore would, call the app, parse the answer as boto3 does."""
    model: OperationModel = _MODEL.operation_model(operation)
    request = _SERIALIZER.serialize_to_request(params, model)
    status, headers, body = asyncio.run(call_raw(app, f"AWSEvents.{operation}", request["body"]))
    parsed: dict[str, Any] = _PARSER.parse(
        {"status_code": status, "headers": headers, "body": body}, model.output_shape
    )
    if "Error" in parsed:
        raise AwsError(status, parsed["Error"]["Code"], parsed["Error"]["Message"])
    parsed.pop("ResponseMetadata", None)
    return parsed
