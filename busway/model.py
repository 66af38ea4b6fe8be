"""The domain: event buses, rules, targets and events, as busway holds them inside.

AWS's wire names (PascalCase, ``detail-type``) stay at the API edge; these are the snake_case
records that services and stores exchange. Every record is immutable; an update writes a new one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from busway.frozen import quick_init

__all__ = [
    "Delivery",
    "Event",
    "EventBus",
    "HttpParameters",
    "IngestRecord",
    "InputTransformerSpec",
    "LogConfig",
    "RetryPolicy",
    "Rule",
    "RuleState",
    "Scope",
    "Target",
]


@quick_init
@dataclass(frozen=True, slots=True)
class Scope:
    """Where a resource lives: every bus, rule and event belongs to one (account, region)."""

    account: str
    region: str


@dataclass(frozen=True, slots=True)
class LogConfig:
    include_detail: str | None = None  # NONE | FULL
    level: str | None = None  # OFF | ERROR | INFO | TRACE


@dataclass(frozen=True, slots=True)
class EventBus:
    scope: Scope
    name: str
    arn: str
    created_at: datetime
    modified_at: datetime
    description: str | None = None
    kms_key_identifier: str | None = None
    dead_letter_arn: str | None = None
    log_config: LogConfig | None = None
    policy: str | None = None  # resource policy, a JSON document as text
    event_source_name: str | None = None


class RuleState(enum.StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


@dataclass(frozen=True, slots=True)
class Rule:
    scope: Scope
    bus_name: str
    name: str
    arn: str
    state: RuleState
    created_at: datetime
    created_by: str
    event_pattern: str | None = None  # the pattern text as the user gave it
    schedule_expression: str | None = None
    description: str | None = None
    role_arn: str | None = None
    managed_by: str | None = None

    @property
    def enabled(self) -> bool:
        return self.state is not RuleState.DISABLED


@dataclass(frozen=True, slots=True)
class InputTransformerSpec:
    paths_map: Mapping[str, str]
    template: str


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    maximum_retry_attempts: int = 185
    maximum_event_age_seconds: int = 86400


@dataclass(frozen=True, slots=True)
class HttpParameters:
    path_parameter_values: tuple[str, ...] = ()
    header_parameters: Mapping[str, str] = field(default_factory=dict)
    query_string_parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    arn: str
    role_arn: str | None = None
    input: str | None = None
    input_path: str | None = None
    input_transformer: InputTransformerSpec | None = None
    retry_policy: RetryPolicy | None = None  # None: AWS's defaults apply
    dead_letter_arn: str | None = None
    sqs_message_group_id: str | None = None
    http_parameters: HttpParameters | None = None
    # Parameters of target kinds busway stores but does not deliver to (ECS, Batch, Kinesis, ...):
    # kept exactly as the client sent them, so ListTargetsByRule can echo them back.
    other_parameters: Mapping[str, Any] = field(default_factory=dict)


@quick_init
@dataclass(frozen=True, slots=True)
class Event:
    """An accepted event. ``body`` is the envelope exactly as targets receive it (JSON bytes)."""

    id: str
    scope: Scope
    bus_name: str
    source: str
    detail_type: str
    time: datetime
    ingested_at: datetime
    body: bytes
    resources: tuple[str, ...] = ()
    trace_header: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Delivery:
    """One (event, rule, target) hand-off waiting in the outbox."""

    event_id: str
    rule_arn: str
    target_id: str
    due_at: datetime
    attempts: int = 0


@quick_init
@dataclass(frozen=True, slots=True)
class IngestRecord:
    """An event and the deliveries it produced, committed together or not at all."""

    event: Event
    deliveries: tuple[Delivery, ...] = ()
