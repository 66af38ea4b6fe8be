"""CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule and ListSchedules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from busway.api.model_shapes import conformed
from busway.api.request import Request
from busway.api.scheduler.protocol import Call, Route
from busway.api.scheduler.wire import (
    CLIENT_TOKEN,
    GROUP_NAME,
    NAME,
    epoch,
    optional,
    read_max_results,
    read_next_token,
    required,
    with_next_token,
)
from busway.errors import ValidationError
from busway.model import RetryPolicy
from busway.service.schedules import ScheduleService, ScheduleSpec
from busway.store.schedules import (
    DEFAULT_GROUP,
    EventBridgeTarget,
    Schedule,
    ScheduleState,
    ScheduleTarget,
)

__all__ = ["schedule_routes"]

_STATES: Final = ("ENABLED", "DISABLED")
_MODES: Final = ("OFF", "FLEXIBLE")
_AFTER_COMPLETION: Final = ("NONE", "DELETE")
_ROLE_ARN: Final = r"arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+"
_DLQ_ARN: Final = r"arn:aws[a-z-]*:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+"
_KMS_ARN: Final = r"arn:aws[a-z-]*:kms:[a-z0-9\-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*"
_SOURCE: Final = r"(?=[/\.\-_A-Za-z0-9]+)((?!aws\.).*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*)"
_MAX_INPUT_CHARS: Final = 256 * 1024  # spec 5.2: Input up to 256 KB
# Templated-target parameters busway keeps (as the model shapes them) but does not deliver to.
_OTHER_PARAMETERS: Final = (
    "EcsParameters",
    "KinesisParameters",
    "SageMakerPipelineParameters",
    "EventBridgePutEventsV2Parameters",
    "EventBridgePutRawEventsParameters",
)


def schedule_routes(service: ScheduleService) -> list[Route]:
    async def create(call: Call) -> dict[str, Any]:
        spec = _read_spec(call)
        token = call.body.string("ClientToken")
        arn = await service.create_schedule(call.scope, spec, client_token=token)
        return {"ScheduleArn": arn}

    async def update(call: Call) -> dict[str, Any]:
        arn = await service.update_schedule(call.scope, _read_spec(call))
        return {"ScheduleArn": arn}

    async def get(call: Call) -> dict[str, Any]:
        name, group = _read_address(call)
        return _schedule_out(await service.get_schedule(call.scope, group, name))

    async def delete(call: Call) -> dict[str, Any]:
        name, group = _read_address(call, client_token=True)
        token = call.query_value("clientToken")
        await service.delete_schedule(call.scope, group, name, client_token=token)
        return {}

    async def list_(call: Call) -> dict[str, Any]:
        query = Request(
            {key: call.query_value(key) for key in call.query}, violations=call.body.violations
        )
        group = query.string("ScheduleGroup", min_len=1, max_len=64, pattern=GROUP_NAME)
        prefix = query.string("NamePrefix", min_len=1, max_len=64, pattern=NAME)
        state = query.string("State", enum=_STATES)
        token = read_next_token(query)
        limit = read_max_results(query)
        query.check()
        page = await service.list_schedules(
            call.scope,
            group=group,
            prefix=prefix,
            state=None if state is None else ScheduleState(state),
            token=token,
            limit=limit,
        )
        return with_next_token({"Schedules": [_summary_out(s) for s in page.items]}, page)

    return [
        Route("POST", "schedules", True, create, "CreateSchedule"),
        Route("PUT", "schedules", True, update, "UpdateSchedule"),
        Route("GET", "schedules", True, get, "GetSchedule"),
        Route("DELETE", "schedules", True, delete, "DeleteSchedule"),
        Route("GET", "schedules", False, list_, "ListSchedules"),
    ]


def _read_address(call: Call, *, client_token: bool = False) -> tuple[str, str]:
    """(name, group) of GetSchedule and DeleteSchedule: the path and ``?groupName=``."""
    query = Request(
        {key: call.query_value(key) for key in call.query}, violations=call.body.violations
    )
    name = _check_label(call, query)
    group = query.string("groupName", min_len=1, max_len=64, pattern=GROUP_NAME)
    if client_token:
        query.string("clientToken", min_len=1, max_len=64, pattern=CLIENT_TOKEN)
    query.check()
    return name, group or DEFAULT_GROUP


def _check_label(call: Call, request: Request) -> str:
    """The path's ``{Name}``, checked against the model (reported with the body's violations)."""
    label = call.label or ""
    request.check_string(label, "name", min_len=1, max_len=64, pattern=NAME)
    return label


def _read_spec(call: Call) -> ScheduleSpec:
    body = call.body
    name = _check_label(call, body)
    group = body.string("GroupName", min_len=1, max_len=64, pattern=GROUP_NAME)
    expression = body.string("ScheduleExpression", required=True, min_len=1, max_len=256)
    timezone = body.string("ScheduleExpressionTimezone", min_len=1, max_len=50)
    start_date = _read_date(body, "StartDate")
    end_date = _read_date(body, "EndDate")
    description = body.string("Description", min_len=0, max_len=512)
    state = body.string("State", enum=_STATES)
    kms_key_arn = body.string("KmsKeyArn", min_len=1, max_len=2048, pattern=_KMS_ARN)
    window = body.struct("FlexibleTimeWindow", required=True)
    mode = None if window is None else window.string("Mode", required=True, enum=_MODES)
    minutes = (
        None
        if window is None
        else window.integer("MaximumWindowInMinutes", min_value=1, max_value=1440)
    )
    target = _read_target(body)
    body.string("ClientToken", min_len=1, max_len=64, pattern=CLIENT_TOKEN)
    after_completion = body.string("ActionAfterCompletion", enum=_AFTER_COMPLETION)
    body.check()
    if mode == "FLEXIBLE" and minutes is None:
        raise ValidationError("MaximumWindowInMinutes is required when Mode is FLEXIBLE.")
    if mode == "OFF" and minutes is not None:
        raise ValidationError("MaximumWindowInMinutes must not be set when Mode is OFF.")
    return ScheduleSpec(
        name=name,
        group_name=group or DEFAULT_GROUP,
        expression=required(expression),
        timezone=timezone or "UTC",
        target=required(target),
        state=ScheduleState(state or "ENABLED"),
        flexible_window_minutes=minutes,
        start_date=start_date,
        end_date=end_date,
        description=description,
        kms_key_arn=kms_key_arn,
        delete_after_completion=after_completion == "DELETE",
    )


def _read_date(body: Request, member: str) -> datetime | None:
    value = body.number(member)
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationError(f"The {member} is not a valid timestamp.") from None


def _read_target(body: Request) -> ScheduleTarget | None:
    target = body.struct("Target", required=True)
    if target is None:
        return None
    arn = target.string("Arn", required=True, min_len=1, max_len=1600)
    role_arn = target.string("RoleArn", required=True, min_len=1, max_len=1600, pattern=_ROLE_ARN)
    text = target.string("Input", min_len=1, max_len=_MAX_INPUT_CHARS)
    retry = target.struct("RetryPolicy")
    max_age = max_attempts = None
    if retry is not None:
        max_age = retry.integer("MaximumEventAgeInSeconds", min_value=60, max_value=86400)
        max_attempts = retry.integer("MaximumRetryAttempts", min_value=0, max_value=185)
    dead_letter = target.struct("DeadLetterConfig")
    dead_letter_arn = None
    if dead_letter is not None:
        dead_letter_arn = dead_letter.string("Arn", min_len=1, max_len=1600, pattern=_DLQ_ARN)
    sqs = target.struct("SqsParameters")
    group_id = None if sqs is None else sqs.string("MessageGroupId", min_len=1, max_len=128)
    event_bridge = _read_event_bridge(target)
    other = {}
    for member in _OTHER_PARAMETERS:
        if target.struct(member) is not None:
            other[member] = conformed("scheduler", "Target", member, target.body[member])
    defaults = RetryPolicy()
    return ScheduleTarget(
        arn=arn or "",  # a missing one is reported by the caller's check()
        role_arn=role_arn or "",
        input=text,
        retry_policy=RetryPolicy(
            defaults.maximum_retry_attempts if max_attempts is None else max_attempts,
            defaults.maximum_event_age_seconds if max_age is None else max_age,
        ),
        dead_letter_arn=dead_letter_arn,
        sqs_message_group_id=group_id,
        event_bridge=event_bridge,
        other_parameters=other,
    )


def _read_event_bridge(target: Request) -> EventBridgeTarget | None:
    params = target.struct("EventBridgeParameters")
    if params is None:
        return None
    detail_type = params.string("DetailType", required=True, min_len=1, max_len=128)
    source = params.string("Source", required=True, min_len=1, max_len=256, pattern=_SOURCE)
    return EventBridgeTarget(source or "", detail_type or "")


def _schedule_out(schedule: Schedule) -> dict[str, Any]:
    window: dict[str, Any] = {"Mode": "OFF"}
    if schedule.flexible_window_minutes is not None:
        window = {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": schedule.flexible_window_minutes}
    return optional(
        Arn=schedule.arn,
        GroupName=schedule.group_name,
        Name=schedule.name,
        ScheduleExpression=schedule.expression,
        StartDate=None if schedule.start_date is None else epoch(schedule.start_date),
        EndDate=None if schedule.end_date is None else epoch(schedule.end_date),
        Description=schedule.description,
        ScheduleExpressionTimezone=schedule.timezone,
        State=schedule.state.value,
        CreationDate=epoch(schedule.created_at),
        LastModificationDate=epoch(schedule.modified_at),
        KmsKeyArn=schedule.kms_key_arn,
        Target=_target_out(schedule.target),
        FlexibleTimeWindow=window,
        ActionAfterCompletion="DELETE" if schedule.delete_after_completion else "NONE",
    )


def _target_out(target: ScheduleTarget) -> dict[str, Any]:
    policy = target.retry_policy
    out = optional(
        Arn=target.arn,
        RoleArn=target.role_arn,
        DeadLetterConfig=None
        if target.dead_letter_arn is None
        else {"Arn": target.dead_letter_arn},
        RetryPolicy={
            "MaximumEventAgeInSeconds": policy.maximum_event_age_seconds,
            "MaximumRetryAttempts": policy.maximum_retry_attempts,
        },
        Input=target.input,
        SqsParameters=None
        if target.sqs_message_group_id is None
        else {"MessageGroupId": target.sqs_message_group_id},
        EventBridgeParameters=None
        if target.event_bridge is None
        else {
            "DetailType": target.event_bridge.detail_type,
            "Source": target.event_bridge.source,
        },
    )
    out.update(target.other_parameters)
    return out


def _summary_out(schedule: Schedule) -> dict[str, Any]:
    return {
        "Arn": schedule.arn,
        "Name": schedule.name,
        "GroupName": schedule.group_name,
        "State": schedule.state.value,
        "CreationDate": epoch(schedule.created_at),
        "LastModificationDate": epoch(schedule.modified_at),
        "Target": {"Arn": schedule.target.arn},
    }
