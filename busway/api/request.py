"""Reading one operation's JSON input: typed member access plus AWS-style constraint checks.

AWS reports constraint violations all at once, with lowerCamelCase member paths and 1-based list
indices (``targets.1.member.id``); a value of the wrong JSON type is a SerializationException.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from busway.errors import ServiceError, ValidationError

__all__ = ["ModelViolations", "Request", "SerializationError", "Violations", "within_long"]


class SerializationError(ServiceError):
    code = "SerializationException"


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def within_long(value: int | Decimal) -> bool:
    """Whether a JSON number fits the 64-bit integers AWS's services read numbers into. Checked
    before any conversion: ``int(Decimal("1e999999"))`` would build a million-digit number."""
    if isinstance(value, Decimal):
        return value.is_finite() and value.adjusted() < _LONG_DIGITS and -_LONG <= value < _LONG
    return -_LONG <= value < _LONG


_LONG = 2**63
# Integers past this many bits are shown in E notation, as Java prints a number it read as a
# double (and str() of one of thousands of digits would raise ValueError).
_SHOWN_BITS = 64
_FLOAT_BITS = 1024
_LONG_DIGITS = 19  # decimal digits of 2**63


def _java_repr(value: Any) -> str:
    """How AWS's Java service prints a value inside ``Value '...'``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int) and value.bit_length() > _SHOWN_BITS:
        return f"{value:e}" if value.bit_length() < _FLOAT_BITS else "Infinity"
    return str(value)


class ModelViolations(ValidationError):
    """Values that break the API model's constraints (``N validation errors detected: ...``):
    ValidationException in most APIs; CloudWatch Logs answers InvalidParameterException."""


class Violations:
    """Constraint violations collected across one request, reported together."""

    def __init__(self) -> None:
        self._items: list[str] = []

    def add(self, value: Any, path: str, constraint: str) -> None:
        shown = "null" if value is None else f"'{_java_repr(value)}'"
        self._items.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def raise_if_any(self) -> None:
        if not self._items:
            return
        count = len(self._items)
        noun = "error" if count == 1 else "errors"
        raise ModelViolations(f"{count} validation {noun} detected: " + "; ".join(self._items))


class Request:
    """Typed access to one JSON object of the input, recording violations as it reads."""

    def __init__(
        self, body: Mapping[str, Any], *, path: str = "", violations: Violations | None = None
    ) -> None:
        self.body = body
        self._path = path
        self.violations = violations if violations is not None else Violations()

    def member_path(self, name: str) -> str:
        return f"{self._path}.{_camel(name)}" if self._path else _camel(name)

    def _get(self, name: str, kind: type | tuple[type, ...], label: str) -> Any:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise SerializationError(f"Value for member {name} is not a valid {label}.")
        return value

    def _missing(self, name: str, required: bool) -> None:
        if required:
            self.violations.add(None, self.member_path(name), "Member must not be null")

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        min_len: int | None = None,
        max_len: int | None = None,
        pattern: str | None = None,
        enum: Sequence[str] | None = None,
    ) -> str | None:
        value: str | None = self._get(name, str, "string")
        if value is None:
            self._missing(name, required)
            return None
        self.check_string(value, self.member_path(name), min_len, max_len, pattern, enum)
        return value

    def check_string(
        self,
        value: str,
        path: str,
        min_len: int | None = None,
        max_len: int | None = None,
        pattern: str | None = None,
        enum: Sequence[str] | None = None,
    ) -> None:
        if max_len is not None and len(value) > max_len:
            self.violations.add(
                value, path, f"Member must have length less than or equal to {max_len}"
            )
        if min_len is not None and len(value) < min_len:
            self.violations.add(
                value, path, f"Member must have length greater than or equal to {min_len}"
            )
        if pattern is not None and re.fullmatch(pattern, value) is None:
            self.violations.add(
                value, path, f"Member must satisfy regular expression pattern: {pattern}"
            )
        if enum is not None and value not in enum:
            self.violations.add(
                value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        min_value: int | None = None,
        max_value: int | None = None,
    ) -> int | None:
        raw = self._get(name, (int, Decimal), "integer")
        if raw is None:
            self._missing(name, required)
            return None
        if not within_long(raw) or (isinstance(raw, Decimal) and raw != raw.to_integral_value()):
            raise SerializationError(f"Value for member {name} is not a valid integer.")
        value: int = int(raw)
        path = self.member_path(name)
        if max_value is not None and value > max_value:
            self.violations.add(
                value, path, f"Member must have value less than or equal to {max_value}"
            )
        if min_value is not None and value < min_value:
            self.violations.add(
                value, path, f"Member must have value greater than or equal to {min_value}"
            )
        return value

    def number(self, name: str) -> Decimal | None:
        """A JSON number, e.g. an epoch-seconds timestamp."""
        value = self._get(name, (int, Decimal), "number")
        if value is None:
            return None
        if not within_long(value):
            raise SerializationError(f"Value for member {name} is not a valid number.")
        return Decimal(value)

    def boolean(self, name: str) -> bool | None:
        value: bool | None = self._get(name, bool, "boolean")
        return value

    def array(
        self,
        name: str,
        *,
        required: bool = False,
        min_items: int | None = None,
        max_items: int | None = None,
    ) -> list[Any] | None:
        value: list[Any] | None = self._get(name, list, "list")
        if value is None:
            self._missing(name, required)
            return None
        path = self.member_path(name)
        if max_items is not None and len(value) > max_items:
            self.violations.add(
                value, path, f"Member must have length less than or equal to {max_items}"
            )
        if min_items is not None and len(value) < min_items:
            self.violations.add(
                value, path, f"Member must have length greater than or equal to {min_items}"
            )
        return value

    def strings(self, name: str, **limits: Any) -> list[str] | None:
        """A list of strings (limits as for ``list``)."""
        value = self.array(name, **limits)
        if value is None:
            return None
        for item in value:
            if not isinstance(item, str):
                raise SerializationError(f"Value for member {name} is not a valid list of strings.")
        return value

    def struct(self, name: str, *, required: bool = False) -> Request | None:
        value: dict[str, Any] | None = self._get(name, dict, "structure")
        if value is None:
            self._missing(name, required)
            return None
        return Request(value, path=self.member_path(name), violations=self.violations)

    def structs(self, name: str, **limits: Any) -> list[Request]:
        """A list of structures; element paths read ``<name>.<i>.member`` with i from 1."""
        value = self.array(name, **limits)
        if value is None:
            return []
        base = self.member_path(name)
        items = []
        for index, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raise SerializationError(f"Value for member {name} is not a valid structure.")
            items.append(Request(item, path=f"{base}.{index}.member", violations=self.violations))
        return items

    def string_map(self, name: str) -> dict[str, str] | None:
        value: dict[str, Any] | None = self._get(name, dict, "map")
        if value is None:
            return None
        for item in value.values():
            if not isinstance(item, str):
                raise SerializationError(f"Value for member {name} is not a valid map of strings.")
        return value

    def check(self) -> None:
        """Raise the collected violations as one ValidationException."""
        self.violations.raise_if_any()

    def keys(self) -> Iterable[str]:
        return self.body.keys()
