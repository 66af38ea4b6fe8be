"""What a target receives: the whole event, ``Input``, ``InputPath`` or ``InputTransformer``.

``compile_target_input`` runs at PutTargets time: it checks the members the way AWS does and
returns a compiled form whose ``render`` is all that runs on the delivery path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from busway import jsontext
from busway.transform.envelope import in_envelope_order
from busway.transform.jsonpath import MISSING, JsonPath, JsonPathError, compile_path
from busway.transform.template import (
    CompiledTemplate,
    InvalidTemplateOutput,
    OversizedTemplateOutput,
    RenderContext,
    UnknownPlaceholder,
    compile_template,
)

__all__ = [
    "ConstantInput",
    "InputTransformer",
    "PathInput",
    "TargetInput",
    "TargetInputError",
    "TemplateInput",
    "TransformError",
    "UndeliverableInput",
    "WholeEvent",
    "compile_target_input",
    "render_input",
    "validate_target_input",
]


class TransformError(Exception):
    """Base of this package's domain errors."""


class TargetInputError(TransformError):
    """PutTargets must refuse the target; ``message`` is AWS's text."""

    code: ClassVar[str] = "ValidationException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UndeliverableInput(TransformError):
    """AWS would deliver nothing for this event (the failure is silent there)."""


@dataclass(frozen=True, kw_only=True)
class InputTransformer:
    """The target's ``InputTransformer`` member as the API received it."""

    template: str
    paths_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WholeEvent:
    """No input member: the event itself, compact, in envelope order."""

    def render(self, event: Mapping[str, Any], context: RenderContext) -> str:
        return jsontext.dumps(in_envelope_order(event))


@dataclass(frozen=True, slots=True)
class ConstantInput:
    """``Input``: the JSON text exactly as configured, whatever the event."""

    text: str

    def render(self, event: Mapping[str, Any], context: RenderContext) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class PathInput:
    """``InputPath``: the selected part of the event, as JSON."""

    text: str
    path: JsonPath | None  # None: not a path of the subset, so it never selects anything

    def render(self, event: Mapping[str, Any], context: RenderContext) -> str:
        selected = MISSING if self.path is None else self.path.find(_as_document(self.path, event))
        if selected is MISSING:
            raise UndeliverableInput(f"InputPath {self.text} selects nothing in the event")
        return jsontext.dumps(selected)


@dataclass(frozen=True, slots=True)
class TemplateInput:
    """``InputTransformer``: the template with its placeholders filled in."""

    template: CompiledTemplate

    def render(self, event: Mapping[str, Any], context: RenderContext) -> str:
        try:
            return self.template.render(event, context)
        except InvalidTemplateOutput as error:
            raise UndeliverableInput(f"InputTemplate rendered invalid JSON: {error}") from error
        except OversizedTemplateOutput as error:
            raise UndeliverableInput(str(error)) from error


TargetInput = WholeEvent | ConstantInput | PathInput | TemplateInput


def compile_target_input(
    target_id: str,
    *,
    input: str | None = None,  # named after the AWS member
    input_path: str | None = None,
    input_transformer: InputTransformer | None = None,
) -> TargetInput:
    """Check the target's input members as PutTargets does and compile them.

    Raises ``TargetInputError`` with AWS's message. Length and pattern constraints on the
    members are request-level violations and live in ``constraint_violations``.
    """
    given = [member for member in (input, input_path, input_transformer) if member is not None]
    if len(given) > 1:
        raise TargetInputError(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target "
            f"{target_id}."
        )
    if input is not None:
        return _compile_constant(target_id, input)
    if input_path is not None:
        return PathInput(input_path, _lenient_path(input_path))
    if input_transformer is not None:
        return TemplateInput(_compile_transformer(target_id, input_transformer))
    return WholeEvent()


def validate_target_input(
    target_id: str,
    *,
    input: str | None = None,  # named after the AWS member
    input_path: str | None = None,
    input_transformer: InputTransformer | None = None,
) -> None:
    """Raise ``TargetInputError`` where PutTargets would refuse the target's input members."""
    compile_target_input(
        target_id, input=input, input_path=input_path, input_transformer=input_transformer
    )


def render_input(
    target_input: TargetInput, event: Mapping[str, Any], context: RenderContext
) -> str:
    """The exact payload text the target receives; raises ``UndeliverableInput`` for none."""
    return target_input.render(event, context)


def _as_document(path: JsonPath, event: Mapping[str, Any]) -> Mapping[str, Any]:
    # Only "$" itself shows the envelope's key order; other paths skip the copy.
    return in_envelope_order(event) if not path.steps else event


def _compile_constant(target_id: str, text: str) -> ConstantInput:
    try:
        jsontext.loads(text)
    except jsontext.JSONDecodeError:
        # Wording seen from AWS via CloudFormation (issue-level evidence).
        raise TargetInputError(f"Input for target {target_id} is not a valid JSON text.") from None
    return ConstantInput(text)


def _compile_transformer(target_id: str, transformer: InputTransformer) -> CompiledTemplate:
    paths = {name: _lenient_path(path) for name, path in transformer.paths_map.items()}
    try:
        return compile_template(transformer.template, paths)
    except UnknownPlaceholder as error:
        raise TargetInputError(
            f"InputTemplate for target {target_id} contains invalid placeholder {error.name}."
        ) from None


def _lenient_path(text: str) -> JsonPath | None:
    # AWS does not validate paths at PutTargets time (spec §6.3); one outside the subset simply
    # never matches, which the renderers treat like a missing value.
    try:
        return compile_path(text)
    except JsonPathError:
        return None
