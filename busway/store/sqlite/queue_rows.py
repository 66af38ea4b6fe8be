"""Queue records <-> SQLite rows for ``SqliteQueueStore``.

Settings, tags and message attributes are JSON text; binary attribute values are base64 in it.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from busway import jsontext
from busway.model import Scope
from busway.store.queues import MessageAttribute, Queue, QueueMessage, QueueSettings, RedrivePolicy
from busway.store.sqlite.rows import from_micros, to_micros

__all__ = ["message_from_row", "message_params", "queue_from_row", "queue_params"]


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def queue_params(queue: Queue) -> dict[str, Any]:
    return {
        "account": queue.scope.account,
        "region": queue.scope.region,
        "name": queue.name,
        "arn": queue.arn,
        "settings": jsontext.dumps(dataclasses.asdict(queue.settings)),
        "tags": jsontext.dumps(dict(queue.tags)),
        "created_at": to_micros(queue.created_at),
        "modified_at": to_micros(queue.modified_at),
        "last_purged_at": _micros(queue.last_purged_at),
    }


def queue_from_row(row: tuple[Any, ...]) -> Queue:
    account, region, name, arn, settings, tags, created, modified, purged = row
    fields = jsontext.loads(settings)
    redrive = fields.pop("redrive_policy")
    return Queue(
        scope=Scope(account, region),
        name=name,
        arn=arn,
        settings=QueueSettings(
            **fields, redrive_policy=None if redrive is None else RedrivePolicy(**redrive)
        ),
        created_at=from_micros(created),
        modified_at=from_micros(modified),
        tags=jsontext.loads(tags),
        last_purged_at=_moment(purged),
    )


def _attributes_json(attributes: Mapping[str, MessageAttribute]) -> str:
    if not attributes:  # most messages: skip the encoder (this runs on the writer thread)
        return "{}"
    return jsontext.dumps(
        {
            name: [
                value.data_type,
                value.string_value,
                None
                if value.binary_value is None
                else base64.b64encode(value.binary_value).decode(),
            ]
            for name, value in attributes.items()
        }
    )


def _attributes(text: str) -> dict[str, MessageAttribute]:
    found: dict[str, list[Any]] = jsontext.loads(text)
    return {
        name: MessageAttribute(
            data_type, string, None if binary is None else base64.b64decode(binary)
        )
        for name, (data_type, string, binary) in found.items()
    }


def message_params(queue_id: int, message: QueueMessage) -> dict[str, Any]:
    return {
        "queue_id": queue_id,
        "seq": message.seq,
        "id": message.id,
        "body": message.body,
        "attributes": _attributes_json(message.attributes),
        "system_attributes": _attributes_json(message.system_attributes),
        "sent_at": to_micros(message.sent_at),
        "visible_at": to_micros(message.visible_at),
        "sender_id": message.sender_id,
        "group_id": message.group_id,
        "deduplication_id": message.deduplication_id,
        "receive_count": message.receive_count,
        "first_received_at": _micros(message.first_received_at),
        "received_at": _micros(message.received_at),
        "receipt": message.receipt,
        "dead_letter_source_arn": message.dead_letter_source_arn,
    }


def message_from_row(row: tuple[Any, ...]) -> QueueMessage:
    (seq, message_id, body, attributes, system_attributes, sent_at, visible_at, sender_id,
     group_id, deduplication_id, receive_count, first_received_at, received_at, receipt,
     source_arn) = row  # fmt: skip
    return QueueMessage(
        id=message_id,
        body=body,
        sent_at=from_micros(sent_at),
        visible_at=from_micros(visible_at),
        sender_id=sender_id,
        attributes=_attributes(attributes),
        system_attributes=_attributes(system_attributes),
        group_id=group_id,
        deduplication_id=deduplication_id,
        seq=seq,
        receive_count=receive_count,
        first_received_at=_moment(first_received_at),
        received_at=_moment(received_at),
        receipt=receipt,
        dead_letter_source_arn=source_arn,
    )
