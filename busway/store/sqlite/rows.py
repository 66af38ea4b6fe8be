"""Domain records <-> SQLite rows: the only place that knows how a record is laid out in a table.

Datetimes become integer microseconds since the epoch (exact, and they order like the instants
they name); nested or free-form parts become JSON text written by ``busway.jsontext``, so big
integers and decimals keep every digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from busway import jsontext
from busway.model import (
    Delivery,
    Event,
    EventBus,
    HttpParameters,
    InputTransformerSpec,
    LogConfig,
    RetryPolicy,
    Rule,
    RuleState,
    Scope,
    Target,
)

__all__ = [
    "bus_from_row",
    "bus_params",
    "delivery_from_row",
    "delivery_row",
    "event_from_row",
    "event_row",
    "from_micros",
    "rule_from_row",
    "rule_params",
    "target_from_json",
    "target_to_json",
    "to_micros",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Row = Sequence[Any]


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch; a naive datetime names no instant, so it is refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"datetime without a timezone: {moment!r}")
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


# --- event buses ---------------------------------------------------------------------------------
def bus_params(bus: EventBus) -> dict[str, Any]:
    log = bus.log_config
    return {
        "account": bus.scope.account,
        "region": bus.scope.region,
        "name": bus.name,
        "arn": bus.arn,
        "created_at": to_micros(bus.created_at),
        "modified_at": to_micros(bus.modified_at),
        "description": bus.description,
        "kms_key_identifier": bus.kms_key_identifier,
        "dead_letter_arn": bus.dead_letter_arn,
        "log_config": None
        if log is None
        else jsontext.dumps({"include_detail": log.include_detail, "level": log.level}),
        "policy": bus.policy,
        "event_source_name": bus.event_source_name,
    }


def bus_from_row(row: Row) -> EventBus:
    (account, region, name, arn, created_at, modified_at, description, kms_key_identifier) = row[:8]
    dead_letter_arn, log_config, policy, event_source_name = row[8:]
    log = None if log_config is None else jsontext.loads(log_config)
    return EventBus(
        scope=Scope(account, region),
        name=name,
        arn=arn,
        created_at=from_micros(created_at),
        modified_at=from_micros(modified_at),
        description=description,
        kms_key_identifier=kms_key_identifier,
        dead_letter_arn=dead_letter_arn,
        log_config=None if log is None else LogConfig(log["include_detail"], log["level"]),
        policy=policy,
        event_source_name=event_source_name,
    )


# --- rules ---------------------------------------------------------------------------------------
def rule_params(rule: Rule) -> dict[str, Any]:
    return {
        "arn": rule.arn,
        "account": rule.scope.account,
        "region": rule.scope.region,
        "bus_name": rule.bus_name,
        "name": rule.name,
        "state": rule.state.value,
        "created_at": to_micros(rule.created_at),
        "created_by": rule.created_by,
        "event_pattern": rule.event_pattern,
        "schedule_expression": rule.schedule_expression,
        "description": rule.description,
        "role_arn": rule.role_arn,
        "managed_by": rule.managed_by,
    }


def rule_from_row(row: Row) -> Rule:
    arn, account, region, bus_name, name, state, created_at, created_by = row[:8]
    event_pattern, schedule_expression, description, role_arn, managed_by = row[8:]
    return Rule(
        scope=Scope(account, region),
        bus_name=bus_name,
        name=name,
        arn=arn,
        state=RuleState(state),
        created_at=from_micros(created_at),
        created_by=created_by,
        event_pattern=event_pattern,
        schedule_expression=schedule_expression,
        description=description,
        role_arn=role_arn,
        managed_by=managed_by,
    )


# --- targets -------------------------------------------------------------------------------------
def target_to_json(target: Target) -> str:
    transformer = target.input_transformer
    retry = target.retry_policy
    http = target.http_parameters
    return jsontext.dumps(
        {
            "id": target.id,
            "arn": target.arn,
            "role_arn": target.role_arn,
            "input": target.input,
            "input_path": target.input_path,
            "input_transformer": None
            if transformer is None
            else {"paths_map": dict(transformer.paths_map), "template": transformer.template},
            "retry_policy": None
            if retry is None
            else {
                "maximum_retry_attempts": retry.maximum_retry_attempts,
                "maximum_event_age_seconds": retry.maximum_event_age_seconds,
            },
            "dead_letter_arn": target.dead_letter_arn,
            "sqs_message_group_id": target.sqs_message_group_id,
            "http_parameters": None
            if http is None
            else {
                "path_parameter_values": list(http.path_parameter_values),
                "header_parameters": dict(http.header_parameters),
                "query_string_parameters": dict(http.query_string_parameters),
            },
            "other_parameters": dict(target.other_parameters),
        }
    )


def target_from_json(text: str) -> Target:
    fields = jsontext.loads(text)
    transformer = fields["input_transformer"]
    retry = fields["retry_policy"]
    http = fields["http_parameters"]
    return Target(
        id=fields["id"],
        arn=fields["arn"],
        role_arn=fields["role_arn"],
        input=fields["input"],
        input_path=fields["input_path"],
        input_transformer=None
        if transformer is None
        else InputTransformerSpec(transformer["paths_map"], transformer["template"]),
        retry_policy=None
        if retry is None
        else RetryPolicy(retry["maximum_retry_attempts"], retry["maximum_event_age_seconds"]),
        dead_letter_arn=fields["dead_letter_arn"],
        sqs_message_group_id=fields["sqs_message_group_id"],
        http_parameters=None
        if http is None
        else HttpParameters(
            tuple(http["path_parameter_values"]),
            http["header_parameters"],
            http["query_string_parameters"],
        ),
        other_parameters=fields["other_parameters"],
    )


# --- events and deliveries -----------------------------------------------------------------------
def event_row(event: Event, micros: Callable[[datetime], int] = to_micros) -> tuple[Any, ...]:
    """Parameters of the ``insert_event`` query, in its column order; ``micros`` converts its
    datetimes (``to_micros``, or a memo of it for the many events of one request)."""
    return (
        event.id,
        event.scope.account,
        event.scope.region,
        event.bus_name,
        event.source,
        event.detail_type,
        micros(event.time),
        micros(event.ingested_at),
        jsontext.dumps(list(event.resources)) if event.resources else _NO_RESOURCES,
        event.trace_header,
        event.body,
    )


_NO_RESOURCES = "[]"


def event_from_row(row: Row) -> Event:
    id_, account, region, bus, source, detail_type, time, ingested_at = row[:8]
    resources, trace_header, body = row[8:]
    return Event(
        id=id_,
        scope=Scope(account, region),
        bus_name=bus,
        source=source,
        detail_type=detail_type,
        time=from_micros(time),
        ingested_at=from_micros(ingested_at),
        body=bytes(body),
        resources=tuple(jsontext.loads(resources)),
        trace_header=trace_header,
    )


def delivery_row(
    delivery: Delivery, micros: Callable[[datetime], int] = to_micros
) -> tuple[Any, ...]:
    """Parameters of the ``insert_delivery`` query after the event's seq, in column order."""
    return (
        delivery.rule_arn,
        delivery.target_id,
        micros(delivery.due_at),
        delivery.attempts,
    )


def delivery_from_row(row: Row) -> Delivery:
    event_id, rule_arn, target_id, due_at, attempts = row
    return Delivery(event_id, rule_arn, target_id, from_micros(due_at), attempts)
