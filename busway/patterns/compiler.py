"""Pattern text -> validated alternatives, checked in the order event-ruler checks them.

The walk follows event-ruler's ``JsonRuleCompiler`` token by token (with duplicate keys
overriding earlier ones, as EventBridge does), because the order of checks decides *which*
error a bad pattern gets and the token position decides the column AWS reports.

A compiled pattern is a tuple of alternatives (the expansion of ``$or``); an alternative is
an AND of fields; a field is a dotted path and the conditions OR-ed on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from busway import jsontext
from busway.patterns.cidr import CidrError, parse_cidr, parse_ip
from busway.patterns.conditions import (
    AnythingBut,
    AnythingButIgnoreCase,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButWildcard,
    Condition,
    EqualsIgnoreCase,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Exists,
    IpMatch,
    Numeric,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
    Wildcard,
)
from busway.patterns.errors import InvalidEventPattern
from busway.patterns.jackson import Token, TokenStream
from busway.patterns.numbers import parse_pattern_number
from busway.patterns.wildcard import (
    TOO_COMPLEX,
    WildcardError,
    parse_wildcard,
    wildcard_complexity,
    wildcard_regex,
)

__all__ = [
    "DEFAULT_MAX_PATTERN_CHARS",
    "MAX_OR_COMBINATIONS",
    "MAX_WILDCARD_COMPLEXITY",
    "Alternative",
    "Field",
    "compile_pattern",
    "pattern_text",
]

DEFAULT_MAX_PATTERN_CHARS = 2048
MAX_OR_COMBINATIONS = 1000
# Largest number of automaton states one input may keep alive in one wildcard value. AWS's
# exact limit is unpublished: 5 accepts every recorded valid wildcard (at most 2), rejects the
# recorded "*:*:*:*:*:event-bus/*" (6), and agrees with the rule of thumb of five stars.
MAX_WILDCARD_COMPLEXITY = 5

Field = tuple[str, tuple[Condition, ...]]
Alternative = tuple[Field, ...]
_Branch = dict[str, tuple[Condition, ...]]

_OR = "$or"
_RESERVED_IN_OR = frozenset(
    (
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "html",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    )
)
_MUST_BE_STRING = {
    "prefix": "prefix/suffix match pattern must be a string",
    "suffix": "prefix/suffix match pattern must be a string",
    "wildcard": "wildcard match pattern must be a string",
    "equals-ignore-case": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
}
_ANYTHING_BUT_VALUE = "Value of anything-but must be an array or single string/number value."
_ONE_KEY = "Only one key allowed in match expression"


def pattern_text(pattern: str | Mapping[str, Any]) -> str:
    """The text of a pattern; a parsed one is written as compact JSON (its size is measured
    on that text, and error locations point into it)."""
    if isinstance(pattern, str):
        return pattern
    return jsontext.dumps(pattern)


def compile_pattern(
    pattern: str | Mapping[str, Any], *, max_pattern_chars: int = DEFAULT_MAX_PATTERN_CHARS
) -> tuple[Alternative, ...]:
    """Validate a pattern and return its alternatives; raises ``InvalidEventPattern``."""
    text = pattern_text(pattern)
    if len(text) > max_pattern_chars:
        raise InvalidEventPattern(
            f"Event pattern is too long: {len(text)} characters, the maximum is {max_pattern_chars}"
        )
    compiler = _Compiler(TokenStream(text))
    branches = compiler.run()
    if compiler.or_combinations > MAX_OR_COMBINATIONS:
        raise InvalidEventPattern(
            f"Too many $or combinations: {compiler.or_combinations}, the maximum is "
            f"{MAX_OR_COMBINATIONS}"
        )
    _check_wildcard_complexity(branches)
    return tuple(tuple(sorted(branch.items())) for branch in branches)


def _check_wildcard_complexity(branches: list[_Branch]) -> None:
    texts: set[str] = set()
    for branch in branches:
        for conditions in branch.values():
            for condition in conditions:
                if isinstance(condition, Wildcard):
                    texts.add(condition.text)
                elif isinstance(condition, AnythingButWildcard):
                    texts.update(condition.texts)
    limit = MAX_WILDCARD_COMPLEXITY
    for text in texts:
        if wildcard_complexity([parse_wildcard(text)], limit + 1) > limit:
            raise InvalidEventPattern(TOO_COMPLEX)


class _Compiler:
    def __init__(self, tokens: TokenStream) -> None:
        self.tokens = tokens
        self.path: list[str] = []
        self.or_combinations = 1

    def run(self) -> list[_Branch]:
        tokens = self.tokens
        if tokens.next_token() is not Token.START_OBJECT:
            raise tokens.fail("Filter is not an object")
        branches: list[_Branch] = []
        self._object(branches, inside_or=False)
        return branches

    # ------------------------------------------------------------------ structure

    def _object(self, branches: list[_Branch], *, inside_or: bool) -> None:
        tokens = self.tokens
        fields_present = False
        while tokens.next_token() is not Token.END_OBJECT:
            fields_present = True
            name = tokens.current_name
            if name == _OR:
                self._or(branches)
                continue
            if inside_or and name in _RESERVED_IN_OR:
                raise tokens.fail(
                    f"{name} is Ruler reserved fieldName which cannot be used inside $or."
                )
            token = tokens.next_token()
            if token is Token.START_OBJECT:
                self.path.append(name)
                self._object(branches, inside_or=inside_or)
                self.path.pop()
            elif token is Token.START_ARRAY:
                self._field(branches, ".".join([*self.path, name]))
            else:
                raise tokens.fail(f'"{name}" must be an object or an array')
        if not fields_present:
            raise tokens.fail("Empty objects are not allowed")

    def _or(self, branches: list[_Branch]) -> None:
        tokens = self.tokens
        before = [dict(branch) for branch in branches]
        branches.clear()
        if tokens.next_token() is not Token.START_ARRAY:
            raise tokens.fail("It must be an Array followed with $or.")
        count = 0
        while (token := tokens.next_token()) is not Token.END_ARRAY:
            count += 1
            if token is not Token.START_OBJECT:
                raise tokens.fail("Only JSON object is allowed in array of $or relationship.")
            forked = [dict(branch) for branch in before] or [{}]
            self._object(forked, inside_or=True)
            branches.extend(forked)
        if count < 2:
            raise tokens.fail("There must have at least 2 Objects in $or relationship.")
        self.or_combinations *= count

    def _field(self, branches: list[_Branch], path: str) -> None:
        tokens = self.tokens
        conditions: list[Condition] = []
        while (token := tokens.next_token()) is not Token.END_ARRAY:
            if token is Token.START_OBJECT:
                conditions.append(self._match_expression())
            elif token is Token.STRING:
                conditions.append(_string_literal(tokens.text_value()))
            elif token is Token.NUMBER_INT or token is Token.NUMBER_FLOAT:
                conditions.append(ExactNumber(parse_pattern_number(tokens.text_value())[1]))
            elif token is Token.TRUE or token is Token.FALSE or token is Token.NULL:
                conditions.append(ExactLiteral({"true": True, "false": False}.get(token.value)))
            else:
                raise tokens.fail("Match value must be String, number, true, false, or null")
        if not conditions:
            raise tokens.fail("Empty arrays are not allowed")
        if not branches:
            branches.append({})
        unique = tuple(dict.fromkeys(conditions))
        for branch in branches:
            branch[path] = unique

    # ------------------------------------------------------------------ match expressions

    def _match_expression(self) -> Condition:
        tokens = self.tokens
        if tokens.next_token() is not Token.FIELD_NAME:
            raise tokens.fail("Match expression name not found")
        operator = tokens.current_name
        handler = _OPERATORS.get(operator)
        if handler is None:
            raise tokens.fail(f"Unrecognized match type {operator}")
        return handler(self)

    def _end_object(self, reason: str = _ONE_KEY) -> None:
        if self.tokens.next_token() is not Token.END_OBJECT:
            raise self.tokens.fail(reason)

    def _string_operand(self, reason: str) -> str:
        tokens = self.tokens
        if tokens.next_token() is not Token.STRING:
            raise tokens.fail(reason)
        return tokens.text_value()

    def _exactly(self) -> Condition:
        value = self._string_operand("exact match pattern must be a string")
        self._end_object()
        return ExactString(value)

    def _equals_ignore_case(self) -> Condition:
        value = self._string_operand("equals-ignore-case match pattern must be a string")
        self._end_object()
        return EqualsIgnoreCase(value)

    def _prefix(self) -> Condition:
        return self._prefix_or_suffix("prefix")

    def _suffix(self) -> Condition:
        return self._prefix_or_suffix("suffix")

    def _prefix_or_suffix(self, operator: str) -> Condition:
        tokens = self.tokens
        token = tokens.next_token()
        if token is Token.START_OBJECT:
            return self._ignore_case_affix(operator)
        if token is not Token.STRING:
            raise tokens.fail(f"{operator} match pattern must be a string")
        value = tokens.text_value()
        self._end_object()
        return Prefix(value) if operator == "prefix" else Suffix(value)

    def _ignore_case_affix(self, operator: str) -> Condition:
        tokens = self.tokens
        if tokens.next_token() is not Token.FIELD_NAME:
            raise tokens.fail(f"{operator.capitalize()} expression name not found")
        if tokens.current_name != "equals-ignore-case":
            raise tokens.fail(f"Unsupported {operator} pattern: {tokens.current_name}")
        value = self._string_operand("equals-ignore-case match pattern must be a string")
        self._end_object()
        self._end_object()
        return PrefixIgnoreCase(value) if operator == "prefix" else SuffixIgnoreCase(value)

    def _wildcard(self) -> Condition:
        value = self._string_operand("wildcard match pattern must be a string")
        try:
            parts = parse_wildcard(value)
        except WildcardError as error:
            raise self.tokens.fail(str(error)) from None
        self._end_object()
        return Wildcard(value, wildcard_regex(parts))

    def _cidr(self) -> Condition:
        value = self._string_operand("prefix match pattern must be a string")
        try:
            version, low, high = parse_cidr(value)
        except CidrError as error:
            # event-ruler lets this one escape its JSON reader, so AWS prints no location.
            raise InvalidEventPattern(str(error)) from None
        self._end_object()
        return IpMatch(version, low, high)

    def _exists(self) -> Condition:
        tokens = self.tokens
        token = tokens.next_token()
        if token is not Token.TRUE and token is not Token.FALSE:
            raise tokens.fail("exists match pattern must be either true or false.")
        self._end_object()
        return Exists(token is Token.TRUE)

    def _numeric(self) -> Condition:
        tokens = self.tokens
        if tokens.next_token() is not Token.START_ARRAY:
            raise tokens.fail("Value of numeric must be an array.")
        condition = _NumericReader(tokens).read()
        self._end_object("Too many elements in numeric expression")
        return condition

    # ------------------------------------------------------------------ anything-but

    def _anything_but(self) -> Condition:
        tokens = self.tokens
        token = tokens.next_token()
        operator = ""
        if token is Token.START_OBJECT:
            if tokens.next_token() is not Token.FIELD_NAME:
                raise tokens.fail("Anything-But expression name not found")
            operator = tokens.current_name
            if operator not in _MUST_BE_STRING:
                raise tokens.fail(f"Unsupported anything-but pattern: {operator}")
            token = tokens.next_token()
        if token not in (Token.START_ARRAY, Token.STRING, Token.NUMBER_INT, Token.NUMBER_FLOAT):
            raise tokens.fail(_ANYTHING_BUT_VALUE)
        if not operator:
            condition = self._anything_but_values(token)
        else:
            condition = self._anything_but_set(token, operator)
        self._end_object("Too many elements in numeric expression")
        if operator:
            self._end_object("Too many elements in numeric expression")
        return condition

    def _anything_but_values(self, token: Token | None) -> Condition:
        tokens = self.tokens
        strings: set[str] = set()
        numbers: set[float] = set()
        if token is not Token.START_ARRAY:
            if token is Token.STRING:
                strings.add(tokens.text_value())
            else:
                try:
                    numbers.add(_comparable(tokens.text_value()))
                except ValueError as error:
                    # Not caught by event-ruler's reader here, so AWS prints no location.
                    raise InvalidEventPattern(str(error)) from None
            return AnythingBut(frozenset(strings), frozenset(numbers))
        try:
            while (token := tokens.next_token()) is not Token.END_ARRAY:
                if token is Token.STRING:
                    strings.add(tokens.text_value())
                elif token is Token.NUMBER_INT or token is Token.NUMBER_FLOAT:
                    numbers.add(_comparable(tokens.text_value()))
                else:
                    raise tokens.fail(
                        "Inside anything but list, start|null|boolean is not supported."
                    )
        except ValueError as error:
            raise tokens.fail(str(error)) from None
        except InvalidEventPattern as error:
            # event-ruler catches its own error here and raises it again: two locations.
            raise tokens.fail_wrapped(error) from None
        if bool(strings) == bool(numbers):
            raise tokens.fail(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        return AnythingBut(frozenset(strings), frozenset(numbers))

    def _anything_but_set(self, token: Token | None, operator: str) -> Condition:
        tokens = self.tokens
        values: list[str] = []
        if token is not Token.START_ARRAY:
            values.append(self._anything_but_member(token, operator))
        else:
            try:
                while (token := tokens.next_token()) is not Token.END_ARRAY:
                    values.append(self._anything_but_member(token, operator))
            except InvalidEventPattern as error:
                # event-ruler catches its own error here and raises it again: two locations.
                raise tokens.fail_wrapped(error) from None
        unique = frozenset(values)
        if operator == "prefix":
            return AnythingButPrefix(unique)
        if operator == "suffix":
            return AnythingButSuffix(unique)
        if operator == "equals-ignore-case":
            return AnythingButIgnoreCase(unique)
        return self._anything_but_wildcard(unique)

    def _anything_but_member(self, token: Token | None, operator: str) -> str:
        tokens = self.tokens
        if token is not Token.STRING:
            raise tokens.fail(_MUST_BE_STRING[operator])
        text = tokens.text_value()
        if operator in ("prefix", "suffix") and not text:
            raise tokens.fail("Null prefix/suffix not allowed")
        return text

    def _anything_but_wildcard(self, texts: frozenset[str]) -> Condition:
        sources = []
        for text in sorted(texts):
            try:
                parts = parse_wildcard(text)
            except WildcardError as error:
                raise self.tokens.fail(str(error)) from None
            sources.append(wildcard_regex(parts).pattern)
        regex = re.compile("|".join(f"(?:{source})" for source in sources), re.DOTALL)
        return AnythingButWildcard(texts, regex)


class _NumericReader:
    """The inside of ``{"numeric": [...]}``: one or two comparisons, lower bound first."""

    def __init__(self, tokens: TokenStream) -> None:
        self.tokens = tokens

    def read(self) -> Numeric:
        tokens = self.tokens
        if tokens.next_token() is not Token.STRING:
            raise tokens.fail(f"Invalid member in numeric match: {tokens.text_value()}")
        operator = tokens.text_value()
        if operator not in ("=", "<", "<=", ">", ">="):
            raise tokens.fail(f"Unrecognized numeric range operator: {operator}")
        value = self._operand(operator)
        inf = float("inf")
        if operator == "=":
            self._end()
            return Numeric(value, False, value, False)
        if operator in ("<", "<="):
            self._end()
            return Numeric(-inf, False, value, operator == "<")
        token = tokens.next_token()
        if token is Token.END_ARRAY:
            return Numeric(value, operator == ">", inf, False)
        return self._upper_bound(token, value, operator == ">")

    def _operand(self, operator: str) -> float:
        tokens = self.tokens
        token = tokens.next_token()
        name = "equals" if operator == "=" else operator
        if token is None or not token.is_number:
            raise tokens.fail(f"Value of {name} must be numeric")
        text = tokens.text_value()
        double = parse_pattern_number(text)[0]
        if double is None:
            raise tokens.fail(f"Cannot compare number : {text}")
        return double

    def _end(self) -> None:
        if self.tokens.next_token() is not Token.END_ARRAY:
            raise self.tokens.fail("Too many elements in numeric expression")

    def _upper_bound(self, token: Token | None, low: float, low_open: bool) -> Numeric:
        tokens = self.tokens
        if token is not Token.STRING:
            raise tokens.fail(f"Bad value in numeric range: {tokens.text_value()}")
        operator = tokens.text_value()
        if operator not in ("<", "<="):
            raise tokens.fail(f"Bad numeric range operator: {operator}")
        high = self._operand(operator)
        if tokens.next_token() is not Token.END_ARRAY:
            raise tokens.fail("Too many terms in numeric range expression")
        if low >= high:
            raise tokens.fail("Bottom must be less than top")
        return Numeric(low, low_open, high, operator == "<")


def _comparable(text: str) -> float:
    double = parse_pattern_number(text)[0]
    if double is None:
        raise ValueError(f"Cannot compare number : {text}")
    return double


def _string_literal(text: str) -> Condition:
    # event-ruler turns a literal that is an IP address into a one-address range, so other
    # spellings of the same address match too.
    parsed = parse_ip(text)
    if parsed is not None:
        return IpMatch(parsed[0], parsed[1], parsed[1])
    return ExactString(text)


_OPERATORS = {
    "exactly": _Compiler._exactly,
    "prefix": _Compiler._prefix,
    "suffix": _Compiler._suffix,
    "numeric": _Compiler._numeric,
    "anything-but": _Compiler._anything_but,
    "exists": _Compiler._exists,
    "cidr": _Compiler._cidr,
    "equals-ignore-case": _Compiler._equals_ignore_case,
    "wildcard": _Compiler._wildcard,
}
