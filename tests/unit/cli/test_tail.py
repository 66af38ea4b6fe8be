"""``busway events tail``'s polling: cursor, pauses, count, a busway that goes away."""

from __future__ import annotations

import urllib.error
from typing import Any

import pytest

from busway.cli import events as events_cli
from busway.cli.connection import Connection
from busway.cli.main import build_parser


def _event(n: int) -> dict[str, Any]:
    return {"Id": f"e{n}", "Time": "T", "Source": "s", "DetailType": "d", "Deliveries": []}


class FakeBusway:
    """Answers ``ListRecentEvents`` from a script; an exception in it is raised instead."""

    def __init__(self, script: list[dict[str, Any] | BaseException]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        assert operation == "ListRecentEvents"
        self.requests.append(request)
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _tail(monkeypatch: pytest.MonkeyPatch, fake: FakeBusway, *argv: str) -> tuple[int, list[float]]:
    monkeypatch.setattr(Connection, "from_args", classmethod(lambda cls, args: fake))
    pauses: list[float] = []
    args = build_parser().parse_args(["events", "tail", *argv])
    return events_cli.run_tail(args, sleep=pauses.append), pauses


def test_tail_follows_the_cursor_and_pauses_only_when_caught_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeBusway(
        [
            {"Events": [_event(1)], "Cursor": "1"},
            {"Events": [], "Cursor": "1"},
            {"Events": [_event(n) for n in range(2, 102)], "Cursor": "101"},  # a full page
            {"Events": [_event(102)], "Cursor": "102"},
        ]
    )
    code, pauses = _tail(monkeypatch, fake, "--bus", "b", "--count", "102", "--interval", "0.5")
    assert code == 0
    assert fake.requests == [
        {"EventBusName": "b", "After": None, "Limit": 10},
        {"EventBusName": "b", "After": "1", "Limit": 100},
        {"EventBusName": "b", "After": "1", "Limit": 100},
        {"EventBusName": "b", "After": "101", "Limit": 100},
    ]
    assert pauses == [0.5, 0.5]  # after the first two answers, not after the full page
    ids = [line.split()[3] for line in capsys.readouterr().out.splitlines()]
    assert ids == [f"e{n}" for n in range(1, 103)]


def test_last_zero_prints_only_new_events(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeBusway(
        [{"Events": [_event(1)], "Cursor": "1"}, {"Events": [_event(2)], "Cursor": "2"}]
    )
    code, _ = _tail(monkeypatch, fake, "--last", "0", "--count", "1", "--json")
    assert code == 0
    assert fake.requests[0]["Limit"] == 1
    assert capsys.readouterr().out == (
        '{"Id":"e2","Time":"T","Source":"s","DetailType":"d","Deliveries":[]}\n'
    )


def test_tail_waits_out_a_busway_that_went_away(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    fake = FakeBusway(
        [
            {"Events": [_event(1)], "Cursor": "1"},
            gone,
            gone,
            {"Events": [_event(2)], "Cursor": "2"},
        ]
    )
    code, pauses = _tail(monkeypatch, fake, "--count", "2", "--interval", "0.1")
    assert code == 0
    assert pauses == [0.1, 1.0, 1.0]
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert captured.err.count("trying again") == 1


def test_an_unreachable_busway_at_the_start_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBusway([urllib.error.URLError("refused")])
    with pytest.raises(urllib.error.URLError):
        _tail(monkeypatch, fake)


def test_ctrl_c_ends_the_tail_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBusway([KeyboardInterrupt()])
    code, _ = _tail(monkeypatch, fake)
    assert code == 0
