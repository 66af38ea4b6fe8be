"""The ``busway`` command line: every command has help with examples; bad values exit 2."""

from __future__ import annotations

import pytest

from busway.cli.main import build_parser, main

COMMANDS = [
    ["events", "put"],
    ["events", "tail"],
    ["rules", "list"],
    ["rules", "test"],
    ["queues", "list"],
    ["queues", "receive"],
    ["queues", "purge"],
    ["dlq", "redrive"],
    ["logs", "tail"],
]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_with_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: busway {' '.join(command)}" in text
    assert "examples:" in text
    assert "--endpoint URL" in text


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for noun in ("serve", "events", "rules", "queues", "dlq", "logs"):
        assert f"    {noun} " in text


@pytest.mark.parametrize(
    "argv",
    [
        ["events", "tail", "--last", "101"],
        ["events", "tail", "--count", "0"],
        ["events", "tail", "--interval", "0"],
        ["events", "put", "--max-request-bytes", "x"],
        ["events", "put", "--entry", "{}", "--file", "f"],
        ["queues", "receive", "q", "--wait", "21"],
        ["queues", "receive", "q", "--max", "0"],
        ["dlq", "redrive", "q", "--max", "10001"],
        ["rules", "test", "--pattern", "{}"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_missing_file_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "put", "--file", "/nonexistent/events.jsonl"]) == 2
    assert "cannot read /nonexistent/events.jsonl" in capsys.readouterr().err
