"""ScheduleService: groups, schedules and tags, and the errors AWS gives for each."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from busway.clock import FakeClock
from busway.errors import ResourceNotFound, ValidationError
from busway.model import RetryPolicy
from busway.service.schedules import Conflict, ScheduleService, ServiceQuotaExceeded
from busway.store.memory import MemoryStore
from busway.store.memory.schedules import MemoryScheduleStore
from busway.store.schedules import EventBridgeTarget, ScheduleState, ScheduleTarget
from tests.unit.scheduler.support import QUEUE, ROLE, SCOPE, make_rig, run, spec

T0 = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)
GROUP_ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/"


def test_the_default_group_exists_and_cannot_be_deleted() -> None:
    async def body() -> None:
        service = make_rig(T0).service
        page = await service.list_groups(SCOPE, prefix=None, token=None, limit=None)
        assert [(g.name, g.arn) for g in page.items] == [("default", GROUP_ARN + "default")]
        with pytest.raises(ValidationError, match="default schedule group cannot be deleted"):
            await service.delete_group(SCOPE, "default")

    run(body)


def test_groups_conflict_and_go_with_their_schedules() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        service = rig.service
        arn = await service.create_group(SCOPE, "g", {"team": "a"})
        assert arn == GROUP_ARN + "g"
        with pytest.raises(Conflict, match=r"Schedule group g already exists\."):
            await service.create_group(SCOPE, "g", {})
        await service.create_schedule(SCOPE, spec("s", group_name="g"))
        assert rig.firing.next_due_at() is not None
        await service.delete_group(SCOPE, "g")
        assert rig.firing.next_due_at() is None  # its schedules stopped with it
        with pytest.raises(ResourceNotFound, match=r"Schedule group g does not exist\."):
            await service.get_group(SCOPE, "g")
        with pytest.raises(ResourceNotFound, match=r"Schedule group g does not exist\."):
            await service.get_schedule(SCOPE, "g", "s")
        with pytest.raises(ResourceNotFound, match=r"Schedule group g does not exist\."):
            await service.delete_group(SCOPE, "g")

    run(body)


def test_tags_belong_to_existing_groups() -> None:
    async def body() -> None:
        service = make_rig(T0).service
        await service.create_group(SCOPE, "g", {"a": "1"})
        await service.tag(SCOPE, GROUP_ARN + "g", {"b": "2"})
        await service.untag(SCOPE, GROUP_ARN + "g", ["a"])
        assert await service.list_tags(SCOPE, GROUP_ARN + "g") == {"b": "2"}
        with pytest.raises(ResourceNotFound, match=r"Schedule group nope does not exist\."):
            await service.list_tags(SCOPE, GROUP_ARN + "nope")
        with pytest.raises(ResourceNotFound, match="does not exist"):
            await service.tag(SCOPE, "arn:aws:scheduler:eu-west-1:1:schedule-group/g", {})

    run(body)


def test_create_then_conflict_then_not_found() -> None:
    async def body() -> None:
        service = make_rig(T0).service
        arn = await service.create_schedule(SCOPE, spec("s"))
        assert arn == "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s"
        with pytest.raises(Conflict, match=r"Schedule s already exists\."):
            await service.create_schedule(SCOPE, spec("s"))
        with pytest.raises(ResourceNotFound, match=r"Schedule group other does not exist\."):
            await service.create_schedule(SCOPE, spec("s", group_name="other"))
        with pytest.raises(ResourceNotFound, match=r"Schedule t does not exist\."):
            await service.get_schedule(SCOPE, "default", "t")
        with pytest.raises(ResourceNotFound, match=r"Schedule t does not exist\."):
            await service.update_schedule(SCOPE, spec("t"))
        with pytest.raises(ResourceNotFound, match=r"Schedule t does not exist\."):
            await service.delete_schedule(SCOPE, "default", "t")

    run(body)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"expression": "rate(10 years)"}, "Invalid Schedule Expression rate\\(10 years\\)."),
        ({"expression": "at(2024-02-30T00:00:00)"}, "Invalid Schedule Expression"),
        ({"expression": "cron(0 1 * * * *)"}, "Invalid Schedule Expression"),
        ({"expression": "every day"}, "Invalid Schedule Expression every day."),
        ({"timezone": "Mars/Olympus"}, "Invalid ScheduleExpressionTimezone Mars/Olympus."),
        (
            {"start_date": T0 + timedelta(days=2), "end_date": T0 + timedelta(days=1)},
            "The EndDate must be later than the StartDate.",
        ),
        (
            {"target": ScheduleTarget("arn:aws:scheduler:::aws-sdk:sqs:sendMessage", ROLE)},
            "Universal targets are not supported by busway: arn:aws:scheduler:::aws-sdk:sqs",
        ),
        (
            {
                "target": ScheduleTarget(
                    "arn:aws:events:us-east-1:123456789012:event-bus/default",
                    ROLE,
                    input="not json",
                    event_bridge=EventBridgeTarget("my.app", "Tick"),
                )
            },
            "must be a JSON object",
        ),
    ],
)
def test_invalid_schedules_are_refused(changes: dict[str, object], message: str) -> None:
    async def body() -> None:
        service = make_rig(T0).service
        with pytest.raises(ValidationError, match=message):
            await service.create_schedule(SCOPE, replace(spec("s"), **changes))  # type: ignore[arg-type]
        assert (
            await service.list_schedules(
                SCOPE, group=None, prefix=None, state=None, token=None, limit=None
            )
        ).items == []

    run(body)


def test_update_is_a_full_replace_that_keeps_the_creation_date() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        service = rig.service
        full = spec(
            "s",
            description="nightly",
            state=ScheduleState.DISABLED,
            flexible_window_minutes=5,
            delete_after_completion=True,
            target=ScheduleTarget(QUEUE, ROLE, input="{}", retry_policy=RetryPolicy(1, 60)),
        )
        await service.create_schedule(SCOPE, full)
        rig.clock.advance(timedelta(minutes=3))
        await service.update_schedule(SCOPE, spec("s", expression="rate(1 hour)"))
        stored = await service.get_schedule(SCOPE, "default", "s")
        assert stored.expression == "rate(1 hour)"
        assert stored.description is None
        assert stored.state is ScheduleState.ENABLED
        assert stored.flexible_window_minutes is None
        assert not stored.delete_after_completion
        assert stored.target.retry_policy == RetryPolicy()
        assert (stored.created_at, stored.modified_at) == (T0, T0 + timedelta(minutes=3))

    run(body)


def test_listing_pages_and_filters() -> None:
    async def body() -> None:
        service = make_rig(T0).service
        await service.create_group(SCOPE, "g", {})
        for name in ("c", "a", "b"):
            await service.create_schedule(SCOPE, spec(name))
        await service.create_schedule(SCOPE, spec("a", group_name="g"))
        seen = []
        token = None
        while True:
            page = await service.list_schedules(
                SCOPE, group=None, prefix=None, state=None, token=token, limit=2
            )
            seen += [(s.group_name, s.name) for s in page.items]
            token = page.next_token
            if token is None:
                break
        assert seen == [("default", "a"), ("default", "b"), ("default", "c"), ("g", "a")]
        in_g = await service.list_schedules(
            SCOPE, group="g", prefix=None, state=None, token=None, limit=None
        )
        assert [s.name for s in in_g.items] == ["a"]
        with pytest.raises(ResourceNotFound, match=r"Schedule group nope does not exist\."):
            await service.list_schedules(
                SCOPE, group="nope", prefix=None, state=None, token=None, limit=None
            )
        with pytest.raises(ValidationError, match="NextToken"):
            await service.list_schedules(
                SCOPE, group=None, prefix=None, state=None, token="garbage!", limit=None
            )

    run(body)


def test_quotas_answer_service_quota_exceeded() -> None:
    async def body() -> None:
        store = MemoryScheduleStore(MemoryStore())
        service = ScheduleService(store, FakeClock(T0), max_schedules=2, max_groups=2)
        await service.create_group(SCOPE, "g", {})  # with default, two groups
        with pytest.raises(ServiceQuotaExceeded, match="limit of 2"):
            await service.create_group(SCOPE, "h", {})
        await service.create_schedule(SCOPE, spec("a"))
        await service.create_schedule(SCOPE, spec("b"))
        with pytest.raises(ServiceQuotaExceeded, match="limit of 2"):
            await service.create_schedule(SCOPE, spec("c"))

    run(body)


def test_a_retried_call_with_its_client_token_answers_as_the_first_did() -> None:
    async def body() -> None:
        service = make_rig(T0).service
        arn = await service.create_schedule(SCOPE, spec(), client_token="t1")
        assert await service.create_schedule(SCOPE, spec(), client_token="t1") == arn
        with pytest.raises(Conflict):
            await service.create_schedule(SCOPE, spec(), client_token="t2")
        with pytest.raises(Conflict):
            await service.create_schedule(SCOPE, spec())
        await service.delete_schedule(SCOPE, "default", "s", client_token="d1")
        await service.delete_schedule(SCOPE, "default", "s", client_token="d1")
        with pytest.raises(ResourceNotFound):
            await service.delete_schedule(SCOPE, "default", "s", client_token="d2")
        group = await service.create_group(SCOPE, "g", {}, client_token="g1")
        assert await service.create_group(SCOPE, "g", {}, client_token="g1") == group
        with pytest.raises(Conflict):
            await service.create_group(SCOPE, "g", {}, client_token="g2")
        await service.delete_group(SCOPE, "g", client_token="g3")
        await service.delete_group(SCOPE, "g", client_token="g3")
        with pytest.raises(ResourceNotFound):
            await service.delete_group(SCOPE, "g")

    run(body)
