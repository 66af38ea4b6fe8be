"""A JSON token stream that reads, fails and reports positions the way Jackson does.

EventBridge compiles patterns with event-ruler, which pulls tokens from a Jackson parser and
reports every problem at the parser's *current* location. To give the same error texts and
``column`` numbers we read the pattern the same lazy way: a field name already consumes the
first token of its value, and a string value is only read to its closing quote when its text
is asked for (or when the next token is requested).
"""

from __future__ import annotations

import enum

from busway.patterns.errors import InvalidEventPattern, ParseLocation

__all__ = ["Token", "TokenStream"]

_VALID_TOKENS = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_WHITESPACE = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = "0123456789abcdefABCDEF"


class Token(enum.Enum):
    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "name"
    STRING = "string"
    NUMBER_INT = "int"
    NUMBER_FLOAT = "float"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"

    @property
    def is_number(self) -> bool:
        return self is Token.NUMBER_INT or self is Token.NUMBER_FLOAT


_STRUCTURAL = frozenset((Token.START_OBJECT, Token.END_OBJECT, Token.START_ARRAY, Token.END_ARRAY))


class _Context:
    __slots__ = ("entries", "is_object", "start_column", "start_line")

    def __init__(self, is_object: bool, line: int, column: int) -> None:
        self.is_object = is_object
        self.entries = 0
        self.start_line = line
        self.start_column = column

    @property
    def kind(self) -> str:
        return "Object" if self.is_object else "Array"


def _char_desc(char: str) -> str:
    code = ord(char)
    if code < 32 or 127 <= code <= 159:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{char}' (code {code} / 0x{code:x})"
    return f"'{char}' (code {code})"


def _is_identifier_part(char: str) -> bool:
    # Java's Character.isJavaIdentifierPart, near enough for error texts.
    return char.isalnum() or char in "_$"


def _join_utf16(text: str) -> str:
    """Pair up surrogates written as two ``\\u`` escapes, as a Java string would hold them."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class TokenStream:
    """Pulls tokens from pattern text; every error is an ``InvalidEventPattern`` with location."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._pos = 0
        self._line = 1
        self._row_start = 0
        self._contexts: list[_Context] = []
        self._pending: Token | None = None
        self._string_unread = False
        self._token: Token | None = None
        self._token_text = ""
        self._token_line = 1
        self._token_column = 1
        self.current_name = ""

    # ---------------------------------------------------------------- locations and errors

    def location(self) -> ParseLocation:
        return ParseLocation(self.text, self._line, self._column_of(self._row_start, self._pos))

    def _column_of(self, row_start: int, pos: int) -> int:
        # Jackson counts UTF-16 units; characters beyond the BMP count twice.
        segment = self.text[row_start:pos]
        return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF) + 1

    def fail(self, reason: str) -> InvalidEventPattern:
        """The error event-ruler raises with ``barf``: the reason plus the current location."""
        return InvalidEventPattern(reason, (self.location(),))

    def fail_wrapped(self, error: InvalidEventPattern) -> InvalidEventPattern:
        """event-ruler re-raises some errors it caught, so their location is printed twice."""
        return InvalidEventPattern(error.reason, (*error.locations, self.location()))

    def _unexpected(self, char: str, comment: str) -> InvalidEventPattern:
        # Jackson points at the offending character itself here, not past it.
        column = self._column_of(self._row_start, self._pos - 1)
        location = ParseLocation(self.text, self._line, column)
        return InvalidEventPattern(
            f"Unexpected character ({_char_desc(char)}): {comment}", (location,)
        )

    def _eof(self, comment: str) -> InvalidEventPattern:
        return self.fail(f"Unexpected end-of-input{comment}")

    def _start_marker(self, context: _Context) -> str:
        return ParseLocation(self.text, context.start_line, context.start_column).describe()

    # ---------------------------------------------------------------- reading characters

    def _peek(self) -> str:
        return self.text[self._pos] if self._pos < len(self.text) else ""

    def _take(self) -> str:
        char = self._peek()
        if char:
            self._pos += 1
        return char

    def _skip_whitespace(self) -> str:
        """Skip blanks and return the next character, consumed (``""`` at the end)."""
        text = self.text
        while self._pos < len(text):
            char = text[self._pos]
            self._pos += 1
            if char not in _WHITESPACE:
                return char
            if char == "\n" or (char == "\r" and self._peek() != "\n"):
                self._line += 1
                self._row_start = self._pos
        return ""

    # ---------------------------------------------------------------- the token interface

    def next_token(self) -> Token | None:
        """The next token, or ``None`` once the top-level value is complete."""
        if self._string_unread and self._token is Token.STRING:
            self._read_string()
        if self._pending is not None:
            token, self._pending = self._pending, None
            return self._enter(token)
        char = self._skip_whitespace()
        context = self._contexts[-1] if self._contexts else None
        if not char:
            if context is not None:
                marker = self._start_marker(context)
                raise self._eof(
                    f": expected close marker for {context.kind} (start marker at {marker})"
                )
            return None
        if char in "]}":
            return self._close(char)
        if context is not None:
            if context.entries:
                if char != ",":
                    raise self._unexpected(
                        char, f"was expecting comma to separate {context.kind} entries"
                    )
                char = self._skip_whitespace()
            context.entries += 1
            if context.is_object:
                return self._field_name(char)
        return self._enter(self._value_start(char))

    def text_value(self) -> str:
        """The text of the current token (reads a string value through its closing quote)."""
        token = self._token
        if token is Token.STRING:
            if self._string_unread:
                self._token_text = self._read_string()
            return self._token_text
        if token is Token.FIELD_NAME:
            return self.current_name
        if token in _STRUCTURAL:
            return str(token.value)
        return self._token_text

    # ---------------------------------------------------------------- structure

    def _enter(self, token: Token) -> Token:
        if token is Token.START_OBJECT or token is Token.START_ARRAY:
            context = _Context(token is Token.START_OBJECT, self._token_line, self._token_column)
            self._contexts.append(context)
        self._token = token
        return token

    def _close(self, char: str) -> Token:
        if not self._contexts:
            raise self._unexpected(char, f"expected a value {_VALID_TOKENS}")
        context = self._contexts[-1]
        wanted = "}" if context.is_object else "]"
        if char != wanted:
            marker = self._start_marker(context)
            raise self.fail(
                f"Unexpected close marker '{char}': expected '{wanted}' "
                f"(for {context.kind} starting at {marker})"
            )
        self._contexts.pop()
        self._token = Token.END_OBJECT if context.is_object else Token.END_ARRAY
        return self._token

    def _field_name(self, char: str) -> Token:
        if char != '"':
            if not char:
                raise self._eof(" within/between Object entries")
            raise self._unexpected(char, "was expecting double-quote to start field name")
        self.current_name = self._read_string()
        char = self._skip_whitespace()
        if char != ":":
            if not char:
                raise self._eof(" within/between Object entries")
            raise self._unexpected(char, "was expecting a colon to separate field name and value")
        char = self._skip_whitespace()
        self._pending = self._value_start(char)
        self._token = Token.FIELD_NAME
        return Token.FIELD_NAME

    def _value_start(self, char: str) -> Token:
        self._token_line = self._line
        self._token_column = self._column_of(self._row_start, self._pos)
        if char == '"':
            self._string_unread = True
            return Token.STRING
        if char == "{":
            return Token.START_OBJECT
        if char == "[":
            return Token.START_ARRAY
        if char == "t":
            return self._literal("true", Token.TRUE)
        if char == "f":
            return self._literal("false", Token.FALSE)
        if char == "n":
            return self._literal("null", Token.NULL)
        if char == "-" or (char.isdigit() and char.isascii()):
            return self._number(char)
        return self._odd_value(char)

    def _odd_value(self, char: str) -> Token:
        if not char:
            raise self._eof(": expected a value")
        if char in "]},":
            raise self._unexpected(char, "expected a value")
        if char in ("N", "I"):
            word = char + self._identifier_tail()
            if word in ("NaN", "Infinity"):
                raise self.fail(
                    f"Non-standard token '{word}': enable "
                    "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                )
            raise self.fail(f"Unrecognized token '{word}': was expecting {_VALID_TOKENS}")
        if char.isalpha() or char in "_$":
            word = char + self._identifier_tail()
            raise self.fail(f"Unrecognized token '{word}': was expecting {_VALID_TOKENS}")
        raise self._unexpected(char, f"expected a valid value {_VALID_TOKENS}")

    def _identifier_tail(self) -> str:
        start = self._pos
        while self._pos < len(self.text) and _is_identifier_part(self.text[self._pos]):
            self._pos += 1
        return self.text[start : self._pos]

    def _literal(self, word: str, token: Token) -> Token:
        start = self._pos - 1
        end = start + len(word)
        if self.text[start:end] != word or (
            end < len(self.text) and _is_identifier_part(self.text[end])
        ):
            self._pos = start + 1
            matched = 1
            while matched < len(word) and self._peek() == word[matched]:
                self._pos += 1
                matched += 1
            partial = word[:matched] + self._identifier_tail()
            raise self.fail(f"Unrecognized token '{partial}': was expecting {_VALID_TOKENS}")
        self._pos = end
        self._token_text = word
        return token

    # ---------------------------------------------------------------- numbers

    def _digits(self) -> str:
        start = self._pos
        while self._pos < len(self.text) and self.text[self._pos] in "0123456789":
            self._pos += 1
        return self.text[start : self._pos]

    def _number(self, first: str) -> Token:
        start = self._pos - 1
        if first == "-":
            nxt = self._peek()
            if not ("0" <= nxt <= "9"):
                if nxt:
                    self._pos += 1
                    raise self.fail(
                        f"Unexpected character ({_char_desc(nxt)}) in numeric value: expected "
                        "digit (0-9) to follow minus sign, for valid numeric value"
                    )
                raise self._eof(" in a Number value")
            first = self._take()
        integer = first + self._digits()
        if len(integer) > 1 and integer[0] == "0":
            raise self.fail("Invalid numeric value: Leading zeroes not allowed")
        is_float = False
        if self._peek() == ".":
            self._pos += 1
            is_float = True
            if not self._digits():
                raise self._number_part_error("Decimal point not followed by a digit")
        if self._peek() in ("e", "E"):
            self._pos += 1
            is_float = True
            if self._peek() in ("+", "-"):
                self._pos += 1
            if not self._digits():
                raise self._number_part_error("Exponent indicator not followed by a digit")
        self._token_text = self.text[start : self._pos]
        return Token.NUMBER_FLOAT if is_float else Token.NUMBER_INT

    def _number_part_error(self, comment: str) -> InvalidEventPattern:
        char = self._take()
        if not char:
            return self._eof(" in a Number value")
        return self.fail(f"Unexpected character ({_char_desc(char)}) in numeric value: {comment}")

    # ---------------------------------------------------------------- strings

    def _read_string(self) -> str:
        """Read from just after an opening quote through the closing quote."""
        self._string_unread = False
        text = self.text
        end = text.find('"', self._pos)
        if end >= 0:
            chunk = text[self._pos : end]
            if "\\" not in chunk and all(ch >= " " for ch in chunk):
                self._pos = end + 1
                return chunk
        parts: list[str] = []
        while True:
            char = self._take()
            if not char:
                raise self._eof(": was expecting closing quote for a string value")
            if char == '"':
                return _join_utf16("".join(parts))
            if char == "\\":
                parts.append(self._escape())
            elif char < " ":
                raise self.fail(
                    f"Illegal unquoted character ({_char_desc(char)}): has to be escaped using "
                    "backslash to be included in string value"
                )
            else:
                parts.append(char)

    def _escape(self) -> str:
        char = self._take()
        if not char:
            raise self._eof(" in character escape sequence")
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char != "u":
            raise self.fail(f"Unrecognized character escape {_char_desc(char)}")
        code = 0
        for _ in range(4):
            digit = self._take()
            if not digit:
                raise self._eof(" in character escape sequence")
            if digit not in _HEX:
                raise self._unexpected(digit, "expected a hex-digit for character escape sequence")
            code = code * 16 + int(digit, 16)
        return chr(code)
