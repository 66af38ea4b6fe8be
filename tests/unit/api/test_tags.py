from __future__ import annotations

from typing import Any

import pytest

from tests.unit.api.conftest import ACCOUNT, Events

BUS_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/shop"
DEFAULT_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
RULE_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/shop/orders"


def tags(events: Events, arn: str) -> list[dict[str, str]]:
    answer: list[dict[str, str]] = events.ok("ListTagsForResource", {"ResourceARN": arn})["Tags"]
    return answer


def tag_list(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in pairs.items()]


@pytest.fixture
def shop(events: Events) -> Events:
    events.ok("CreateEventBus", {"Name": "shop", "Tags": tag_list(team="a")})
    events.ok(
        "PutRule", {"Name": "orders", "EventBusName": "shop", "EventPattern": '{"source": ["x"]}'}
    )
    return events


def test_bus_tags_from_creation_and_tag_resource(shop: Events) -> None:
    assert tags(shop, BUS_ARN) == tag_list(team="a")
    shop.ok("TagResource", {"ResourceARN": BUS_ARN, "Tags": tag_list(team="b", env="dev")})
    assert tags(shop, BUS_ARN) == tag_list(env="dev", team="b")
    shop.ok("UntagResource", {"ResourceARN": BUS_ARN, "TagKeys": ["team", "missing"]})
    assert tags(shop, BUS_ARN) == tag_list(env="dev")


def test_rule_tags(shop: Events) -> None:
    assert tags(shop, RULE_ARN) == []
    shop.ok("TagResource", {"ResourceARN": RULE_ARN, "Tags": tag_list(k="v")})
    assert tags(shop, RULE_ARN) == tag_list(k="v")


def test_default_bus_can_be_tagged(events: Events) -> None:
    events.ok("TagResource", {"ResourceARN": DEFAULT_ARN, "Tags": tag_list(k="v")})
    assert tags(events, DEFAULT_ARN) == tag_list(k="v")


def test_recreated_bus_starts_without_tags(shop: Events) -> None:
    shop.ok("DeleteEventBus", {"Name": "shop"})
    shop.ok("CreateEventBus", {"Name": "shop"})
    assert tags(shop, BUS_ARN) == []


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        (f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/nope", "Event bus nope does not exist."),
        (f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/shop", "Event bus shop does not exist."),
        (
            f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nope",
            "Rule nope does not exist on EventBus default.",
        ),
        (
            f"arn:aws:events:us-east-1:{ACCOUNT}:rule/shop/nope",
            "Rule nope does not exist on EventBus shop.",
        ),
        (
            f"arn:aws:events:us-east-1:{ACCOUNT}:archive/a",
            f"Resource arn:aws:events:us-east-1:{ACCOUNT}:archive/a does not exist.",
        ),
        ("not-an-arn", "Resource not-an-arn does not exist."),
    ],
)
@pytest.mark.parametrize(
    "operation",
    [
        ("ListTagsForResource", {}),
        ("TagResource", {"Tags": tag_list(k="v")}),
        ("UntagResource", {"TagKeys": ["k"]}),
    ],
)
def test_unknown_resources(
    shop: Events, arn: str, message: str, operation: tuple[str, dict[str, Any]]
) -> None:
    name, body = operation
    assert shop.error(name, {"ResourceARN": arn, **body}) == ("ResourceNotFoundException", message)


def test_at_most_fifty_tags(shop: Events) -> None:
    many = [{"Key": f"k{index}", "Value": "v"} for index in range(50)]
    shop.ok("TagResource", {"ResourceARN": RULE_ARN, "Tags": many})
    shop.ok("TagResource", {"ResourceARN": RULE_ARN, "Tags": tag_list(k0="again")})
    assert shop.error("TagResource", {"ResourceARN": RULE_ARN, "Tags": tag_list(one="more")}) == (
        "LimitExceededException",
        "The number of tags on a resource cannot exceed 50.",
    )


def test_tag_constraints(shop: Events) -> None:
    code, message = shop.error(
        "TagResource", {"ResourceARN": BUS_ARN, "Tags": [{"Key": "", "Value": "v" * 257}]}
    )
    assert code == "ValidationException"
    assert message == (
        "2 validation errors detected: "
        "Value '' at 'tags.1.member.key' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        f"Value '{'v' * 257}' at 'tags.1.member.value' failed to satisfy constraint: "
        "Member must have length less than or equal to 256"
    )


def test_required_members(shop: Events) -> None:
    assert shop.error("TagResource", {"ResourceARN": BUS_ARN}) == (
        "ValidationException",
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: "
        "Member must not be null",
    )
    assert shop.error("UntagResource", {"ResourceARN": BUS_ARN, "TagKeys": ["x" * 129]}) == (
        "ValidationException",
        f"1 validation error detected: Value '{'x' * 129}' at 'tagKeys.1.member' failed to "
        "satisfy constraint: Member must have length less than or equal to 128",
    )
    assert shop.error("ListTagsForResource", {}) == (
        "ValidationException",
        "1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: "
        "Member must not be null",
    )
