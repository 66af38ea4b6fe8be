"""``quick_init`` builds exactly what the dataclass's own ``__init__`` builds."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field

import pytest

from busway.frozen import quick_init


@dataclass(frozen=True, slots=True)
class Plain:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: list[int] = field(default_factory=list)
    e: str | None = field(default=None, kw_only=True)


@quick_init
@dataclass(frozen=True, slots=True)
class Quick:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: list[int] = field(default_factory=list)
    e: str | None = field(default=None, kw_only=True)


def _values(record: Plain | Quick) -> tuple[object, ...]:
    return dataclasses.astuple(record)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1, "x"), {}),
        ((1, "x", (2, 3)), {}),
        ((1, "x", (2,), [4]), {"e": "y"}),
        ((), {"a": 1, "b": "x", "d": [5], "e": None}),
    ],
)
def test_builds_what_the_dataclass_builds(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    assert _values(Quick(*args, **kwargs)) == _values(Plain(*args, **kwargs))  # type: ignore[arg-type]


def test_same_signature_as_the_dataclass() -> None:
    plain = inspect.signature(Plain.__init__)
    quick = inspect.signature(Quick.__init__)
    assert list(quick.parameters) == list(plain.parameters)
    assert [p.kind for p in quick.parameters.values()] == [
        p.kind for p in plain.parameters.values()
    ]


def test_a_factory_default_is_made_for_each_instance() -> None:
    first, second = Quick(1, "x"), Quick(2, "y")
    assert first.d == []
    assert first.d is not second.d


def test_argument_errors_are_the_usual_ones() -> None:
    with pytest.raises(TypeError):
        Quick(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick(1, "x", (), [], "positional e")  # type: ignore[call-arg]


def test_still_frozen_comparable_hashable_and_replaceable() -> None:
    record = Quick(1, "x", (2,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.a = 2  # type: ignore[misc]
    assert record == Quick(1, "x", (2,))
    assert dataclasses.replace(record, a=3) == Quick(3, "x", (2,))
    assert repr(record) == "Quick(a=1, b='x', c=(2,), d=[], e=None)"
    assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301 - our own bytes
    hashable = Quick(1, "x", (2,), None)  # type: ignore[arg-type]
    assert hash(hashable) == hash(Quick(1, "x", (2,), None))  # type: ignore[arg-type]


def test_refuses_classes_it_would_get_wrong() -> None:
    @dataclass(slots=True)
    class Unfrozen:
        a: int

    @dataclass(frozen=True)
    class Unslotted:
        a: int

    @dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True, slots=True)
    class NotInInit:
        a: int
        b: int = field(default=0, init=False)

    for cls in (Unfrozen, Unslotted, PostInit, NotInInit):
        with pytest.raises(TypeError):
            quick_init(cls)
