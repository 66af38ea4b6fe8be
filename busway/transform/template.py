"""InputTemplate: compiled once into literal text and slots, rendered per event.

How a value is written depends on where its placeholder sits (spec §6.3, recorded on AWS):

* JSON template (starts with ``{`` or ``[``), placeholder outside a string literal: the value as
  JSON, so a string is auto-quoted; a path that selects nothing becomes ``""``.
* JSON template, placeholder inside a string literal: strings are inserted raw (unescaped),
  scalars as their JSON text, objects and arrays as JSON text, which breaks the surrounding
  string: the result is not JSON and nothing is delivered, as on AWS.
* String template (anything else): strings raw, scalars as JSON text, objects and arrays
  flattened without quotes (``{acc_id:0a78,sf_id:baz}``, ``[ACTIVE,INACTIVE]``).

The template's own text is kept byte for byte: AWS delivers the template, not a re-serialization.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from busway import jsontext
from busway.frozen import quick_init
from busway.transform.envelope import (
    format_ingestion_time,
    in_envelope_order,
    predefined_event_view,
)
from busway.transform.jsonpath import MISSING, JsonPath

__all__ = [
    "MAX_RENDERED_CHARS",
    "CompiledTemplate",
    "InvalidTemplateOutput",
    "OversizedTemplateOutput",
    "Predefined",
    "RenderContext",
    "UnknownPlaceholder",
    "compile_template",
]

# Only text that could name a variable is a placeholder; any other "<...>" is literal text.
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


class Predefined(enum.Enum):
    """Placeholders AWS fills without an InputPathsMap entry."""

    RULE_ARN = "aws.events.rule-arn"
    RULE_NAME = "aws.events.rule-name"
    INGESTION_TIME = "aws.events.event.ingestion-time"
    EVENT = "aws.events.event"
    EVENT_JSON = "aws.events.event.json"


_PREDEFINED_BY_NAME: Final = {member.value: member for member in Predefined}


@quick_init
@dataclass(frozen=True, slots=True)
class RenderContext:
    """What the predefined placeholders need besides the event itself."""

    rule_arn: str
    rule_name: str
    ingestion_time: datetime


class UnknownPlaceholder(ValueError):
    """A placeholder is neither in InputPathsMap nor predefined."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class InvalidTemplateOutput(ValueError):
    """A JSON template rendered to text that is not JSON; AWS then delivers nothing."""


class OversizedTemplateOutput(ValueError):
    """A template rendered to more than any target takes."""


# Twice what the largest target takes (an SQS message, a Lambda payload: 1 MiB), so nothing a
# target could take is refused here, while one delivery's rendering stays bounded.
MAX_RENDERED_CHARS: Final = 2 * 1024 * 1024


class _Mode(enum.Enum):
    JSON_VALUE = enum.auto()
    JSON_STRING = enum.auto()
    TEXT = enum.auto()


@dataclass(frozen=True, slots=True)
class _Slot:
    source: JsonPath | Predefined | None  # None: a path that can never match
    mode: _Mode


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    text: str
    is_json: bool
    parts: tuple[str | _Slot, ...]
    # False when every slot provably lands in a JSON value position, so no check is needed.
    needs_json_check: bool

    def render(self, event: Mapping[str, Any], context: RenderContext) -> str:
        """The delivered text; raises ``InvalidTemplateOutput`` for a broken JSON result and
        ``OversizedTemplateOutput`` past ``MAX_RENDERED_CHARS``, before going further: a short
        template that names a big value many times would otherwise make it that many times
        over (8 KiB of ``<detail>`` placeholders and a 1 MiB detail: gigabytes)."""
        # A placeholder repeated is written once: equal slots are one object (compile_template),
        # so they are told apart by identity, with no hashing of their paths per delivery.
        written: dict[int, str] = {}
        pieces = []
        size = 0
        for part in self.parts:
            if isinstance(part, str):
                piece = part
            else:
                found = written.get(id(part))
                if found is None:
                    found = written[id(part)] = _write(_resolve(part, event, context), part.mode)
                piece = found
            size += len(piece)
            if size > MAX_RENDERED_CHARS:
                raise OversizedTemplateOutput(
                    f"InputTemplate renders more than {MAX_RENDERED_CHARS} characters"
                )
            pieces.append(piece)
        rendered = "".join(pieces)
        if self.needs_json_check and not _is_json(rendered):
            raise InvalidTemplateOutput(rendered)
        return rendered


def compile_template(template: str, paths: Mapping[str, JsonPath | None]) -> CompiledTemplate:
    """Split ``template`` into text and slots; ``paths`` maps variable names to their paths.

    Raises ``UnknownPlaceholder`` for the first placeholder that names nothing.
    """
    is_json = template.lstrip()[:1] in ("{", "[")
    parts: list[str | _Slot] = []
    slots: dict[_Slot, _Slot] = {}
    position = 0
    for match, in_string in _placeholders(template):
        parts.append(template[position : match.start()])
        slot = _Slot(_source(match.group(1), paths), _mode(is_json, in_string))
        parts.append(slots.setdefault(slot, slot))
        position = match.end()
    parts.append(template[position:])
    literal_parts = tuple(part for part in parts if part != "")
    return CompiledTemplate(
        text=template,
        is_json=is_json,
        parts=literal_parts,
        needs_json_check=is_json and not _skeleton_is_safe(literal_parts),
    )


def _placeholders(template: str) -> list[tuple[re.Match[str], bool]]:
    """Every placeholder, with whether it sits inside a JSON string literal."""
    found: list[tuple[re.Match[str], bool]] = []
    in_string = False
    position = 0
    while position < len(template):
        char = template[position]
        match = _PLACEHOLDER.match(template, position) if char == "<" else None
        if match is not None:
            found.append((match, in_string))
            position = match.end()
            continue
        if char == "\\" and in_string:
            position += 1  # an escaped character never closes the string
        elif char == '"':
            in_string = not in_string
        position += 1
    return found


def _source(name: str, paths: Mapping[str, JsonPath | None]) -> JsonPath | Predefined | None:
    if name in _PREDEFINED_BY_NAME:
        return _PREDEFINED_BY_NAME[name]
    if name in paths:
        return paths[name]
    raise UnknownPlaceholder(name)


def _mode(is_json: bool, in_string: bool) -> _Mode:
    if not is_json:
        return _Mode.TEXT
    return _Mode.JSON_STRING if in_string else _Mode.JSON_VALUE


def _skeleton_is_safe(parts: tuple[str | _Slot, ...]) -> bool:
    # Any JSON value may stand where "null" stands, so a valid skeleton with only value-position
    # slots stays valid whatever the event holds.
    if any(isinstance(part, _Slot) and part.mode is not _Mode.JSON_VALUE for part in parts):
        return False
    skeleton = "".join(part if isinstance(part, str) else "null" for part in parts)
    return _is_json(skeleton)


def _is_json(text: str) -> bool:
    try:
        jsontext.loads(text)
    except jsontext.JSONDecodeError:
        return False
    return True


def _resolve(slot: _Slot, event: Mapping[str, Any], context: RenderContext) -> Any:
    source = slot.source
    if source is None:
        return MISSING
    if isinstance(source, JsonPath):
        return source.find(event)
    return _PREDEFINED_VALUES[source](event, context)


_PREDEFINED_VALUES: Final[dict[Predefined, Callable[[Mapping[str, Any], RenderContext], Any]]] = {
    Predefined.RULE_ARN: lambda _event, context: context.rule_arn,
    Predefined.RULE_NAME: lambda _event, context: context.rule_name,
    Predefined.INGESTION_TIME: lambda _event, context: format_ingestion_time(
        context.ingestion_time
    ),
    Predefined.EVENT: lambda event, context: predefined_event_view(event, context.ingestion_time),
    Predefined.EVENT_JSON: lambda event, _context: in_envelope_order(event),
}


def _write(value: Any, mode: _Mode) -> str:
    if value is MISSING:
        return '""' if mode is _Mode.JSON_VALUE else ""
    if isinstance(value, str) and mode is not _Mode.JSON_VALUE:
        return value
    if mode is _Mode.TEXT:
        return _flatten(value)
    return jsontext.dumps(value)


def _flatten(value: Any) -> str:
    """String-template form of a value: JSON without any quotes around keys or strings."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{key}:{_flatten(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_flatten(item) for item in value) + "]"
    if isinstance(value, str):
        return value
    return jsontext.dumps(value)
