"""Reading ``[functions.<name>]`` tables, and refusing bad ones with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from busway.config import ConfigError
from busway.functions import FunctionSpec, load_functions


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "busway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_file_means_no_functions() -> None:
    assert load_functions(None) == {}


def test_a_handler_function_with_every_option(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        'port = 4747\n[functions.orders]\nhandler = "app.handlers:on_order"\npath = "src"\n'
        'timeout = 10\nconcurrency = 4\nmemory = 256\nenv = { TABLE = "orders" }\n',
    )
    assert load_functions(config) == {
        "orders": FunctionSpec(
            "orders",
            handler="app.handlers:on_order",
            paths=((tmp_path / "src").resolve(),),
            timeout=10.0,
            concurrency=4,
            memory_mb=256,
            env={"TABLE": "orders"},
        )
    }


def test_defaults_are_lambdas(tmp_path: Path) -> None:
    config = write(tmp_path, '[functions.f]\nhandler = "m:h"\n')
    spec = load_functions(config)["f"]
    assert (spec.timeout, spec.concurrency, spec.memory_mb, spec.paths) == (3.0, 2, 128, ())


def test_a_url_function(tmp_path: Path) -> None:
    config = write(tmp_path, '[functions.hook]\nurl = "http://127.0.0.1:9000/run"\ntimeout = 1.5\n')
    assert load_functions(config)["hook"] == FunctionSpec(
        "hook", url="http://127.0.0.1:9000/run", timeout=1.5
    )


def test_paths_may_be_a_list(tmp_path: Path) -> None:
    config = write(tmp_path, '[functions.f]\nhandler = "m:h"\npath = ["a", "/opt/b"]\n')
    assert load_functions(config)["f"].paths == ((tmp_path / "a").resolve(), Path("/opt/b"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('handler = "m:h"\nurl = "http://x"', "exactly one of handler or url"),
        ("timeout = 3", "exactly one of handler or url"),
        ('handler = "m.h"', 'handler must read "package.module:function"'),
        ('handler = "m:h"\ntimeout = 0', "timeout must be a number above 0 and at most 900"),
        ('handler = "m:h"\ntimeout = 901', "timeout must be a number"),
        ('handler = "m:h"\ntimeout = "3"', "timeout must be a number"),
        ('handler = "m:h"\nconcurrency = 1.5', "concurrency must be a whole number"),
        ('handler = "m:h"\nconcurrency = 65', "at most 64"),
        ('handler = "m:h"\nconcurrency = true', "concurrency must be a whole number"),
        ('handler = "m:h"\nenv = { A = 1 }', "env must be a table of text values"),
        ('handler = "m:h"\npath = 3', "path must be a folder or a list of folders"),
        ('handler = "m:h"\nmemroy = 128', "unknown key memroy"),
        ('url = "ftp://x"', "url must start with http:// or https://"),
        ('url = "http://x"\nenv = {}', "path, env and memory apply to handler functions only"),
    ],
)
def test_bad_declarations_are_refused(tmp_path: Path, table: str, message: str) -> None:
    config = write(tmp_path, f"[functions.f]\n{table}\n")
    with pytest.raises(ConfigError, match=r"busway\.toml: \[functions\.f\]") as raised:
        load_functions(config)
    assert message in str(raised.value)


def test_a_bad_function_name_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, '[functions."my function"]\nhandler = "m:h"\n')
    with pytest.raises(ConfigError, match="1 to 64 letters, digits, - or _"):
        load_functions(config)


def test_functions_must_be_tables(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="functions must be a table"):
        load_functions(write(tmp_path, "functions = 3\n"))
    with pytest.raises(ConfigError, match=r"\[functions\.f\] must be a table"):
        load_functions(write(tmp_path, "[functions]\nf = 3\n"))


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"busway\.toml"):
        load_functions(write(tmp_path, "[functions.f\n"))
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        load_functions(tmp_path / "missing.toml")
