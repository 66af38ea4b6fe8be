"""What EventBridge does to an event before a target gets it (pure: no I/O, no clock).

At PutTargets time ``compile_target_input`` checks a target's Input / InputPath /
InputTransformer exactly as AWS does and compiles it; at delivery ``render_input`` turns an event
into the payload text. ``constraint_violations`` reports the model's length and pattern limits.
"""

from __future__ import annotations

from busway.transform.envelope import ENVELOPE_ORDER, in_envelope_order
from busway.transform.input import (
    ConstantInput,
    InputTransformer,
    PathInput,
    TargetInput,
    TargetInputError,
    TemplateInput,
    TransformError,
    UndeliverableInput,
    WholeEvent,
    compile_target_input,
    render_input,
    validate_target_input,
)
from busway.transform.jsonpath import MISSING, JsonPath, JsonPathError, Missing, compile_path
from busway.transform.limits import ConstraintViolation, constraint_violations
from busway.transform.template import Predefined, RenderContext

__all__ = [
    "ENVELOPE_ORDER",
    "MISSING",
    "ConstantInput",
    "ConstraintViolation",
    "InputTransformer",
    "JsonPath",
    "JsonPathError",
    "Missing",
    "PathInput",
    "Predefined",
    "RenderContext",
    "TargetInput",
    "TargetInputError",
    "TemplateInput",
    "TransformError",
    "UndeliverableInput",
    "WholeEvent",
    "compile_path",
    "compile_target_input",
    "constraint_violations",
    "in_envelope_order",
    "render_input",
    "validate_target_input",
]
