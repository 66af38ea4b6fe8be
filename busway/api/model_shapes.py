"""Parameter blocks busway keeps without acting on them (an ECS target's ``EcsParameters``, a
schedule's ``SageMakerPipelineParameters``...), made to fit the AWS model's shape before they
are stored.

They are echoed back by ListTargetsByRule or GetSchedule, where every SDK parses them by the
model: a block stored as sent could hold a string where a structure belongs, and would break
that read for good. So a member of the wrong JSON type is a SerializationException, as AWS
answers one, and members the model does not know are dropped, as AWS ignores them. The shapes
come from botocore's copy of the models (boto3 is a dependency), read on first use.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from busway.api.request import SerializationError, within_long

__all__ = ["conformed"]


def conformed(service: str, parent: str, member: str, value: Any) -> Any:
    """``value`` given for ``member`` of the structure ``parent`` in ``service``'s model, as
    that member's shape takes it; as sent when the model does not know the member."""
    shape = _member_shape(service, parent, member)
    return value if shape is None else _fit(shape, value, member)


@functools.cache
def _member_shape(service: str, parent: str, member: str) -> Any:
    import botocore.session  # read only when a block is first kept: the models take a while

    model = botocore.session.get_session().get_service_model(service)
    return model.shape_for(parent).members.get(member)


def _fit(shape: Any, value: Any, name: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        members = _of(dict, value, name, "structure")
        return {
            key: _fit(shape.members[key], item, key)
            for key, item in members.items()
            if key in shape.members and item is not None
        }
    if kind == "list":
        return [_fit(shape.member, item, name) for item in _of(list, value, name, "list")]
    if kind == "map":
        entries = _of(dict, value, name, "map")
        return {key: _fit(shape.value, item, name) for key, item in entries.items()}
    if kind in ("integer", "long"):
        if not _is_number(value) or value != int(value):
            raise SerializationError(f"Value for member {name} is not a valid integer.")
        return int(value)
    if kind in ("double", "float"):
        if not _is_number(value):
            raise SerializationError(f"Value for member {name} is not a valid number.")
        return value
    if kind == "boolean":
        return _of(bool, value, name, "boolean")
    if kind in ("string", "blob"):
        return _of(str, value, name, "string")
    return value  # timestamps and anything newer: as sent


def _of(kind: type, value: Any, name: str, label: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise SerializationError(f"Value for member {name} is not a valid {label}.")
    return value


def _is_number(value: Any) -> bool:
    """A JSON number within 64 bits (checked before any conversion of a huge one)."""
    return isinstance(value, int | Decimal) and not isinstance(value, bool) and within_long(value)
