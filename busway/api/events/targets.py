"""PutTargets, RemoveTargets, ListTargetsByRule, and the Target structure on the wire."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.members import (
    HEADER_KEY_PATTERN,
    HEADER_VALUE_PATTERN,
    NAME_CHARS,
    checked,
    header_value_fits,
    optional,
    read_bus_name_or_arn,
    read_limit,
    read_next_token,
    read_rule_name,
    with_next_token,
)
from busway.api.model_shapes import conformed
from busway.api.request import Request
from busway.model import HttpParameters, InputTransformerSpec, RetryPolicy, Target
from busway.service.targets import TargetService
from busway.transform import ConstraintViolation, InputTransformer, constraint_violations

__all__ = ["read_target", "target_operations", "target_out"]

_QUERY_KEY: Final = r"[^\x00-\x1F\x7F]+"
_QUERY_VALUE: Final = r"[^\x00-\x09\x0B\x0C\x0E-\x1F\x7F]+"
_PATH_PARAMETER: Final = r"^(?!\s*$).+"
_NO_FAILURES: Final = {"FailedEntryCount": 0, "FailedEntries": []}


def target_operations(targets: TargetService) -> dict[str, Handler]:
    async def put_targets(context: RequestContext, request: Request) -> dict[str, Any]:
        rule = read_rule_name(request, "Rule")
        bus_name = read_bus_name_or_arn(request)
        request.array("Targets", required=True, min_items=1, max_items=100)
        entries = [
            read_target(item, f"targets.{index}.member")
            for index, item in enumerate(request.structs("Targets"), start=1)
        ]
        request.check()
        await targets.put(context.scope, checked(rule), entries, bus_name=bus_name)
        return dict(_NO_FAILURES)

    async def remove_targets(context: RequestContext, request: Request) -> dict[str, Any]:
        rule = read_rule_name(request, "Rule")
        bus_name = read_bus_name_or_arn(request)
        ids = request.strings("Ids", required=True, min_items=1, max_items=100) or []
        for index, target_id in enumerate(ids, start=1):
            request.check_string(target_id, f"ids.{index}.member", 1, 64, NAME_CHARS)
        force = request.boolean("Force") or False
        request.check()
        await targets.remove(context.scope, checked(rule), ids, bus_name=bus_name, force=force)
        return dict(_NO_FAILURES)

    async def list_targets_by_rule(context: RequestContext, request: Request) -> dict[str, Any]:
        rule = read_rule_name(request, "Rule")
        bus_name = read_bus_name_or_arn(request)
        next_token = read_next_token(request)
        limit = read_limit(request)
        request.check()
        page = await targets.list(
            context.scope, checked(rule), bus_name=bus_name, next_token=next_token, limit=limit
        )
        return with_next_token({"Targets": [target_out(target) for target in page.items]}, page)

    return {
        "PutTargets": put_targets,
        "RemoveTargets": remove_targets,
        "ListTargetsByRule": list_targets_by_rule,
    }


# --- reading a Target ------------------------------------------------------------------------


def read_target(item: Request, path: str) -> Target:
    """One ``Targets`` element found at ``path``; violations go to the request's collector."""
    target_id = item.string("Id", required=True, min_len=1, max_len=64, pattern=NAME_CHARS)
    arn = item.string("Arn", required=True, min_len=1, max_len=1600)
    role_arn = item.string("RoleArn", min_len=1, max_len=1600)
    # Input lengths are counted as Java counts them (UTF-16 units), by busway.transform.
    text = item.string("Input")
    input_path = item.string("InputPath")
    _add_violations(item, path, constraint_violations(input=text, input_path=input_path))
    transformer = _read_transformer(item, path)
    dead_letter = item.struct("DeadLetterConfig")
    sqs = item.struct("SqsParameters")
    return Target(
        # A missing Id or Arn is already a violation: check() refuses before this is used.
        id=target_id or "",
        arn=arn or "",
        role_arn=role_arn,
        input=text,
        input_path=input_path,
        input_transformer=transformer,
        retry_policy=_read_retry_policy(item),
        dead_letter_arn=(
            None if dead_letter is None else dead_letter.string("Arn", min_len=1, max_len=1600)
        ),
        sqs_message_group_id=None if sqs is None else sqs.string("MessageGroupId", max_len=100),
        http_parameters=_read_http_parameters(item, f"{path}.httpParameters"),
        other_parameters=_read_other_parameters(item),
    )


def _read_transformer(item: Request, path: str) -> InputTransformerSpec | None:
    transformer = item.struct("InputTransformer")
    if transformer is None:
        return None
    template = transformer.string("InputTemplate", required=True)
    paths_map = transformer.string_map("InputPathsMap") or {}
    if template is None:
        return None  # reported as missing; check() refuses the request
    wire = InputTransformer(template=template, paths_map=paths_map)
    _add_violations(item, path, constraint_violations(input_transformer=wire))
    return InputTransformerSpec(paths_map=paths_map, template=template)


def _add_violations(item: Request, path: str, violations: list[ConstraintViolation]) -> None:
    for violation in violations:
        # The value is already in the form AWS prints it, so it goes in as text.
        item.violations.add(violation.value, f"{path}.{violation.member}", violation.constraint)


def _read_retry_policy(item: Request) -> RetryPolicy | None:
    policy = item.struct("RetryPolicy")
    if policy is None:
        return None
    attempts = policy.integer("MaximumRetryAttempts", min_value=0, max_value=185)
    age = policy.integer("MaximumEventAgeInSeconds", min_value=60, max_value=86400)
    defaults = RetryPolicy()
    return RetryPolicy(
        maximum_retry_attempts=defaults.maximum_retry_attempts if attempts is None else attempts,
        maximum_event_age_seconds=defaults.maximum_event_age_seconds if age is None else age,
    )


def _read_http_parameters(item: Request, path: str) -> HttpParameters | None:
    http = item.struct("HttpParameters")
    if http is None:
        return None
    path_values = http.strings("PathParameterValues") or []
    for index, value in enumerate(path_values, start=1):
        member_path = f"{path}.pathParameterValues.{index}.member"
        http.check_string(value, member_path, pattern=_PATH_PARAMETER)
    headers = http.string_map("HeaderParameters") or {}
    _check_map(
        http,
        f"{path}.headerParameters",
        headers,
        HEADER_KEY_PATTERN,
        HEADER_VALUE_PATTERN,
        value_fits=header_value_fits,
    )
    query = http.string_map("QueryStringParameters") or {}
    _check_map(http, f"{path}.queryStringParameters", query, _QUERY_KEY, _QUERY_VALUE)
    return HttpParameters(tuple(path_values), headers, query)


def _check_map(
    request: Request,
    path: str,
    values: Mapping[str, str],
    key_pattern: str,
    value_pattern: str,
    *,
    value_fits: Callable[[str], bool] | None = None,
) -> None:
    """Map constraints, reported once per map the way AWS words them. ``value_fits`` checks
    values instead of ``value_pattern`` where that pattern is unsafe to run (it is still the
    pattern that the message names)."""
    key_problems = sorted({p for key in values for p in _problems(key, 512, key_pattern)})
    if key_problems:
        clause = f"Map keys must satisfy constraint: [{', '.join(key_problems)}]"
        request.violations.add(dict(values), path, clause)
    value_problems = sorted(
        {p for value in values.values() for p in _problems(value, 512, value_pattern, value_fits)}
    )
    if value_problems:
        clause = f"Map value must satisfy constraint: [{', '.join(value_problems)}]"
        request.violations.add(dict(values), path, clause)


def _problems(
    text: str, max_len: int, pattern: str, fits: Callable[[str], bool] | None = None
) -> list[str]:
    found = []
    if len(text) > max_len:
        found.append(f"Member must have length less than or equal to {max_len}")
    if not (fits(text) if fits is not None else re.fullmatch(pattern, text) is not None):
        found.append(f"Member must satisfy regular expression pattern: {pattern}")
    return found


# Target kinds busway stores without delivering to them: their required members are checked,
# and the structure is kept as the model shapes it (``model_shapes``).
def _check_kinesis(params: Request) -> None:
    params.string("PartitionKeyPath", required=True, max_len=256)


def _check_run_command(params: Request) -> None:
    params.array("RunCommandTargets", required=True, min_items=1, max_items=5)


def _check_ecs(params: Request) -> None:
    params.string("TaskDefinitionArn", required=True, min_len=1, max_len=1600)
    params.integer("TaskCount", min_value=1)
    params.string("LaunchType", enum=("EC2", "FARGATE", "EXTERNAL"))
    params.array("CapacityProviderStrategy", max_items=6)
    params.array("PlacementConstraints", max_items=10)
    params.array("PlacementStrategy", max_items=5)
    params.string("PropagateTags", enum=("TASK_DEFINITION",))
    params.string("ReferenceId", max_len=1024)


def _check_batch(params: Request) -> None:
    params.string("JobDefinition", required=True)
    params.string("JobName", required=True)


def _check_redshift(params: Request) -> None:
    params.string("Database", required=True, min_len=1, max_len=64)
    params.string("DbUser", min_len=1, max_len=128)
    params.string("Sql", min_len=1, max_len=100000)
    params.string("StatementName", min_len=1, max_len=500)
    params.array("Sqls", max_items=40)


def _check_sagemaker(params: Request) -> None:
    params.array("PipelineParameterList", max_items=200)


def _check_app_sync(params: Request) -> None:
    params.string("GraphQLOperation", min_len=1, max_len=1048576)


_OTHER_KINDS: Final[dict[str, Callable[[Request], None]]] = {
    "KinesisParameters": _check_kinesis,
    "RunCommandParameters": _check_run_command,
    "EcsParameters": _check_ecs,
    "BatchParameters": _check_batch,
    "RedshiftDataParameters": _check_redshift,
    "SageMakerPipelineParameters": _check_sagemaker,
    "AppSyncParameters": _check_app_sync,
}


def _read_other_parameters(item: Request) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for member, check in _OTHER_KINDS.items():
        params = item.struct(member)
        if params is not None:
            check(params)
            kept[member] = conformed("events", "Target", member, params.body)
    return kept


# --- writing a Target ------------------------------------------------------------------------


def target_out(target: Target) -> dict[str, Any]:
    return optional(
        Id=target.id,
        Arn=target.arn,
        RoleArn=target.role_arn,
        Input=target.input,
        InputPath=target.input_path,
        InputTransformer=_transformer_out(target.input_transformer),
        RetryPolicy=_retry_policy_out(target.retry_policy),
        DeadLetterConfig=optional(Arn=target.dead_letter_arn) or None,
        SqsParameters=optional(MessageGroupId=target.sqs_message_group_id) or None,
        HttpParameters=_http_out(target.http_parameters),
        **target.other_parameters,
    )


def _transformer_out(spec: InputTransformerSpec | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    out: dict[str, Any] = {"InputTemplate": spec.template}
    if spec.paths_map:
        out = {"InputPathsMap": dict(spec.paths_map), **out}
    return out


def _retry_policy_out(policy: RetryPolicy | None) -> dict[str, int] | None:
    if policy is None:
        return None
    return {
        "MaximumRetryAttempts": policy.maximum_retry_attempts,
        "MaximumEventAgeInSeconds": policy.maximum_event_age_seconds,
    }


def _http_out(http: HttpParameters | None) -> dict[str, Any] | None:
    if http is None:
        return None
    out: dict[str, Any] = {}
    if http.path_parameter_values:
        out["PathParameterValues"] = list(http.path_parameter_values)
    if http.header_parameters:
        out["HeaderParameters"] = dict(http.header_parameters)
    if http.query_string_parameters:
        out["QueryStringParameters"] = dict(http.query_string_parameters)
    return out
