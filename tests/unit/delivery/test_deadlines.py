from __future__ import annotations

import asyncio

import pytest

from busway.delivery.deadlines import Deadlines

SHORT = 0.05  # seconds: a deadline the never-set events below always run past


async def _bounded(deadlines: Deadlines, awaited: asyncio.Event) -> str:
    """How an await of ``awaited`` under a deadline ended: done, or timed out."""
    task = deadlines.enter()
    try:
        await awaited.wait()
        return "done"
    except asyncio.CancelledError:
        if not deadlines.expired(task):
            raise
        return "timed out"
    finally:
        deadlines.leave(task)


def test_an_await_that_runs_over_is_cancelled_as_a_timeout() -> None:
    async def scenario() -> tuple[str, int]:
        deadlines = Deadlines(SHORT)
        deadlines.start()
        try:
            outcome = await asyncio.create_task(_bounded(deadlines, asyncio.Event()))
            # The task goes on after its timeout like any other: nothing is left cancelling it.
            current = asyncio.current_task()
            assert current is not None
            return outcome, current.cancelling()
        finally:
            await deadlines.stop()

    assert asyncio.run(scenario()) == ("timed out", 0)


def test_an_await_that_ends_in_time_is_left_alone() -> None:
    async def scenario() -> list[str]:
        deadlines = Deadlines(60.0)
        deadlines.start()
        try:
            done = asyncio.Event()
            done.set()
            return [await _bounded(deadlines, done) for _ in range(3)]
        finally:
            await deadlines.stop()

    assert asyncio.run(scenario()) == ["done"] * 3


def test_a_cancellation_from_elsewhere_is_not_a_timeout() -> None:
    async def scenario() -> None:
        deadlines = Deadlines(60.0)
        deadlines.start()
        try:
            task = asyncio.create_task(_bounded(deadlines, asyncio.Event()))
            await asyncio.sleep(0)  # let it enter and wait
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await deadlines.stop()

    asyncio.run(scenario())


def test_a_cancellation_that_coincides_with_the_deadline_still_propagates() -> None:
    async def scenario() -> None:
        deadlines = Deadlines(SHORT)
        # The watchdog is not running: its round is played by hand, right after another cancel.
        task = asyncio.create_task(_bounded(deadlines, asyncio.Event()))
        await asyncio.sleep(0)
        task.cancel()
        deadlines.expire(float("inf"))
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())


def test_stopped_deadlines_cancel_nothing_and_stop_twice() -> None:
    async def scenario() -> str:
        deadlines = Deadlines(SHORT)
        deadlines.start()
        await deadlines.stop()
        await deadlines.stop()
        awaited = asyncio.Event()
        task = asyncio.create_task(_bounded(deadlines, awaited))
        await asyncio.sleep(SHORT * 4)
        awaited.set()
        return await task

    assert asyncio.run(scenario()) == "done"


def test_a_deadline_needs_a_positive_timeout_and_a_task() -> None:
    with pytest.raises(ValueError, match="positive"):
        Deadlines(0)

    async def scenario() -> None:
        failed: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

        def outside_any_task() -> None:
            try:
                Deadlines(1.0).enter()
            except RuntimeError as error:
                failed.set_result(error)

        asyncio.get_running_loop().call_soon(outside_any_task)
        assert "task" in str(await failed)

    asyncio.run(scenario())


def test_deadlines_outlive_the_loop_their_watchdog_ran_in() -> None:
    deadlines = Deadlines(SHORT)

    async def once() -> str:
        deadlines.start()
        return await asyncio.create_task(_bounded(deadlines, asyncio.Event()))

    assert asyncio.run(once()) == "timed out"
    assert asyncio.run(once()) == "timed out"  # a new watchdog in the new loop

    async def stop() -> None:
        await deadlines.stop()
        await deadlines.stop()

    asyncio.run(stop())
