from __future__ import annotations

from pathlib import Path

import pytest

from busway.config import ConfigError, Settings, load_settings


def test_defaults_without_any_source() -> None:
    assert load_settings() == Settings()


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    config = tmp_path / "busway.toml"
    config.write_text('port = 5000\naccount = "111111111111"\nregion = "eu-west-1"\n')
    settings = load_settings(
        flags={"port": 6000, "host": None},
        environ={"BUSWAY_PORT": "5500", "BUSWAY_ACCOUNT": "222222222222", "HOME": "/root"},
        config_file=config,
    )
    assert settings.port == 6000
    assert settings.account == "222222222222"
    assert settings.region == "eu-west-1"
    assert settings.host == "127.0.0.1"


def test_environment_values_are_converted() -> None:
    settings = load_settings(
        environ={"BUSWAY_ALLOW_RESERVED_SOURCES": "true", "BUSWAY_DATA": "/tmp/x"}
    )
    assert settings.allow_reserved_sources is True
    assert settings.data == Path("/tmp/x")


def test_tables_in_the_file_are_left_to_other_parts(tmp_path: Path) -> None:
    config = tmp_path / "busway.toml"
    config.write_text('max_rules_per_bus = 1000\n[functions.hello]\nhandler = "m:f"\n')
    assert load_settings(config_file=config).max_rules_per_bus == 1000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"environ": {"BUSWAY_PORT": "eighty"}}, "BUSWAY_PORT: port must be an integer"),
        ({"flags": {"allow_reserved_sources": "maybe"}}, "--allow-reserved-sources"),
        ({"flags": {"colour": "blue"}}, "unknown setting colour"),
        ({"environ": {"BUSWAY_PORT": "99999"}}, "port must be from 0 to 65535, got '99999'"),
        ({"flags": {"log_level": "LOUD"}}, "--log-level: log_level must be one of DEBUG, INFO"),
        (
            {"environ": {"BUSWAY_EVENT_RETENTION_HOURS": "-1"}},
            r"event_retention_hours must be from 0 \(keep for ever\) to 87,600, got '-1'",
        ),
        ({"environ": {"BUSWAY_EVENT_RETENTION_HOURS": "nan"}}, "event_retention_hours must be"),
    ],
)
def test_bad_values_name_the_setting(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**kwargs)  # type: ignore[arg-type]


def test_unknown_or_broken_file_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("port = \n")
    with pytest.raises(ConfigError, match=r"broken\.toml"):
        load_settings(config_file=broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 1\n")
    with pytest.raises(ConfigError, match="unknown setting colour"):
        load_settings(config_file=unknown)


def test_the_file_is_recorded_and_numbers_convert(tmp_path: Path) -> None:
    config = tmp_path / "busway.toml"
    config.write_text("dispatch_poll_seconds = 2\n")
    settings = load_settings(environ={"BUSWAY_CONFIG": str(config)}, config_file=config)
    assert settings.config == config
    assert settings.dispatch_poll_seconds == 2.0
