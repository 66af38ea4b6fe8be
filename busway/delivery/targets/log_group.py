"""Deliveries to ``arn:aws:logs:<region>:<account>:log-group:<name>``: one log event each.

Without an InputTransformer the message is the payload (the event) and the timestamp the event's
time. With one, AWS requires the template ``{"timestamp":<timestamp>,"message":<message>}``
(spec section 6.5): ``message`` is required (a non-string value is written as compact JSON),
``timestamp`` may be epoch milliseconds or an ISO 8601 time and defaults to the event's time.
Anything else cannot succeed on a retry, so it fails without one (to the dead-letter queue).
Each delivery gets a log stream of its own, named by a UUID: AWS wrote one event to two streams
when two targets of a rule named the same group (LocalStack's AWS-validated
test_scheduled_rule_logs). The name is derived from the event, rule and target, so a retried
delivery writes to the same stream.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from busway import jsontext
from busway.delivery.target import Invocation, Outcome
from busway.errors import ResourceNotFound
from busway.service.logs import LogService, epoch_ms, parse_log_group_arn
from busway.store.log_groups import NewLogEvent

__all__ = ["LogGroupTarget", "log_entry", "stream_name"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Invalid:
    reason: str


def log_entry(payload: str, *, transformed: bool, event_time: datetime) -> NewLogEvent | str:
    """The log event for one delivery, or why there can be none."""
    if not transformed:
        return NewLogEvent(epoch_ms(event_time), payload)
    try:
        document = jsontext.loads(payload)
    except (jsontext.JSONDecodeError, ValueError):
        return "the transformed input is not JSON"
    if not isinstance(document, dict) or "message" not in document:
        return 'the transformed input must be {"timestamp":<timestamp>,"message":<message>}'
    message = document["message"]
    text = message if isinstance(message, str) else jsontext.dumps(message)
    timestamp = _timestamp(document.get("timestamp"), event_time)
    if isinstance(timestamp, _Invalid):
        return timestamp.reason
    return NewLogEvent(timestamp, text)


def _timestamp(value: object, event_time: datetime) -> int | _Invalid:
    if value is None:
        return epoch_ms(event_time)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return _Invalid(f"timestamp {value!r} is not an ISO 8601 time")
        return epoch_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return _Invalid("timestamp must be epoch milliseconds or an ISO 8601 time")


def stream_name(invocation: Invocation) -> str:
    """The log stream of one delivery: the same for every attempt of it."""
    delivery = f"{invocation.event.id}\n{invocation.rule_arn}\n{invocation.target.id}"
    return str(uuid.uuid5(_STREAMS, delivery))


_STREAMS = uuid.UUID("6f1c3a52-7d0e-4b7a-9c55-0b0e6d2f4a11")  # busway's namespace for them


class LogGroupTarget:
    def __init__(self, logs: LogService) -> None:
        self._logs = logs

    async def invoke(self, invocation: Invocation) -> Outcome:
        located = parse_log_group_arn(invocation.target.arn)
        if located is None:
            return Outcome.failure("NO_RESOURCE", "not a log group ARN", retryable=False)
        scope, group = located
        entry = log_entry(
            invocation.payload,
            transformed=invocation.target.input_transformer is not None,
            event_time=invocation.event.time,
        )
        if isinstance(entry, str):
            return Outcome.failure("INVALID_PARAMETER", entry, retryable=False)
        try:
            await self._logs.append(scope, group, stream_name(invocation), [entry])
        except ResourceNotFound:
            message = f"Log group {group} does not exist."
            return Outcome.failure("NO_RESOURCE", message, retryable=False)
        except Exception as exc:  # the store failed: another attempt may succeed
            log.exception("appending to log group %s failed", group)
            return Outcome.failure("INTERNAL_ERROR", str(exc), retryable=True)
        return Outcome.success()

    async def close(self) -> None:
        return None
