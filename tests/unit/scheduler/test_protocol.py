"""The Scheduler's REST-JSON protocol in-process: routing, raw paths, query strings, errors."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

import pytest

from busway.api.app import App
from busway.api.scheduler import scheduler_mounts
from tests.unit.scheduler.support import make_rig, run

T0 = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)
_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKID/20240501/{region}/scheduler/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0"
)


def make_app() -> App:
    service = make_rig(T0).service
    scheduler = scheduler_mounts(
        service, account="123456789012", default_region="us-east-1", max_body_bytes=4096
    )
    return App([], account="123456789012", mounts=scheduler.mounts)


async def request(
    app: App,
    method: str,
    raw_path: str,
    body: Any = None,
    *,
    query: str = "",
    region: str = "eu-central-1",
) -> tuple[int, dict[str, str], Any]:
    encoded = b"" if body is None else json.dumps(body).encode()
    scope = {
        "type": "http",
        "method": method,
        "path": raw_path,  # as uvicorn would give it, decoded: the protocol must not use it
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "headers": [(b"authorization", _AUTH.format(region=region).encode())],
    }
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": encoded, "more_body": False}

    messages: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
    return messages[0]["status"], headers, json.loads(messages[1]["body"])


def test_arn_labels_are_decoded_from_the_raw_path() -> None:
    async def body() -> None:
        app = make_app()
        status, _, answer = await request(app, "POST", "/schedule-groups/g", {})
        assert status == 200
        arn = answer["ScheduleGroupArn"]
        assert arn == "arn:aws:scheduler:eu-central-1:123456789012:schedule-group/g"
        encoded = arn.replace(":", "%3A").replace("/", "%2F")
        tags = {"Tags": [{"Key": "k", "Value": "v"}]}
        status, _, _ = await request(app, "POST", f"/tags/{encoded}", tags)
        assert status == 200
        status, _, answer = await request(app, "GET", f"/tags/{encoded}")
        assert (status, answer) == (200, {"Tags": [{"Key": "k", "Value": "v"}]})
        status, _, _ = await request(app, "DELETE", f"/tags/{encoded}", query="TagKeys=k&TagKeys=x")
        assert status == 200
        status, _, answer = await request(app, "GET", f"/tags/{encoded}")
        assert answer == {"Tags": []}

    run(body)


def test_errors_are_rest_json_with_the_models_status() -> None:
    async def body() -> None:
        app = make_app()
        status, headers, answer = await request(app, "GET", "/schedules/missing")
        assert status == 404
        assert headers["x-amzn-errortype"] == "ResourceNotFoundException"
        assert answer == {"Message": "Schedule missing does not exist."}
        assert headers["x-amzn-requestid"]
        status, headers, answer = await request(
            app, "GET", "/schedules", query="MaxResults=500&State=PAUSED"
        )
        assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
        assert answer["Message"].startswith("2 validation errors detected: ")
        status, headers, _ = await request(app, "POST", "/schedules/s", {"Target": "x"})
        assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
        status, headers, _ = await request(app, "PATCH", "/schedules/s", {})
        assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")
        status, headers, _ = await request(app, "POST", "/schedule-groups/g", {"x": "y" * 5000})
        assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")

    run(body)


def test_missing_required_members_are_listed_together() -> None:
    async def body() -> None:
        status, _, answer = await request(make_app(), "POST", "/schedules/s", {})
        assert status == 400
        assert answer["Message"] == (
            "3 validation errors detected: "
            "Value null at 'scheduleExpression' failed to satisfy constraint: "
            "Member must not be null; "
            "Value null at 'flexibleTimeWindow' failed to satisfy constraint: "
            "Member must not be null; "
            "Value null at 'target' failed to satisfy constraint: Member must not be null"
        )

    run(body)


@pytest.mark.parametrize(
    ("method", "raw_path", "name"),
    [
        ("POST", "/schedules/s", "Scheduler.CreateSchedule"),
        ("PUT", "/schedules/s", "Scheduler.UpdateSchedule"),
        ("GET", "/schedules", "Scheduler.ListSchedules"),
        ("DELETE", "/schedule-groups/g", "Scheduler.DeleteScheduleGroup"),
        (
            "GET",
            "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A1%3Aschedule-group%2Fg",
            ("Scheduler.ListTagsForResource"),
        ),
        ("PATCH", "/schedules/s", None),
        ("GET", "/schedules/a/b", None),
    ],
)
def test_requests_are_named_by_their_operation(
    method: str, raw_path: str, name: str | None
) -> None:
    service = make_rig(T0).service
    scheduler = scheduler_mounts(service, account="123456789012", default_region="us-east-1")
    scope = {"method": method, "path": raw_path, "raw_path": raw_path.encode()}
    assert scheduler.operation(scope) == name
