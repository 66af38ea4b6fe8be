"""equals-ignore-case as event-ruler does it: each pattern character may appear in the event
as its own lower-case or upper-case form (single-character mapping, no full case folding).

So pattern ``ß`` accepts ``ß`` or ``SS`` while pattern ``SS`` never accepts ``ß``.
"""

from __future__ import annotations

import re

__all__ = ["fold", "fold_is_exact", "ignore_case_regex"]


class _FoldTable(dict[int, str]):
    """``str.translate`` table mapping each character to ``upper`` then ``lower``, built lazily."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = char.upper().lower()
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """A bucket key: an event value matching a pattern (per ``fold_is_exact``) folds alike."""
    return text.translate(_FOLD)


def _variants(char: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((char, char.lower(), char.upper())))


def fold_is_exact(pattern: str) -> bool:
    """Whether every accepted spelling of ``pattern`` has the same ``fold`` as the pattern."""
    return all(fold(variant) == fold(char) for char in pattern for variant in _variants(char)[1:])


def ignore_case_regex(pattern: str) -> str:
    """Regex source matching exactly the spellings the pattern accepts (unanchored)."""
    parts = []
    for char in pattern:
        variants = sorted({char.lower(), char.upper()}, key=len, reverse=True)
        if len(variants) == 1:
            parts.append(re.escape(variants[0]))
        else:
            parts.append("(?:" + "|".join(re.escape(v) for v in variants) + ")")
    return "".join(parts)
