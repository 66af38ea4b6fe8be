"""Endpoint, region and credential defaults, and how errors are shown."""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from busway.cli.connection import DEFAULT_ENDPOINT, BuswayError, Connection, error_text
from busway.cli.main import build_parser, main


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "BUSWAY_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.mark.usefixtures("no_aws_config")
def test_works_out_of_the_box_with_dummy_credentials() -> None:
    connection = Connection()
    assert connection.endpoint == DEFAULT_ENDPOINT
    assert connection.region == "us-east-1"
    credentials = connection.session.get_credentials()
    assert (credentials.access_key, credentials.secret_key) == ("busway", "busway")


@pytest.mark.usefixtures("no_aws_config")
def test_configured_credentials_and_region_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("BUSWAY_ENDPOINT", "http://busway:9000/")
    connection = Connection()
    assert connection.session.get_credentials().access_key == "mine"
    assert connection.region == "eu-west-1"
    assert connection.endpoint == "http://busway:9000"
    assert Connection("http://other:1", "ap-south-1").region == "ap-south-1"


@pytest.mark.usefixtures("no_aws_config")
def test_clients_have_timeouts_and_bounded_retries() -> None:
    client = Connection("http://127.0.0.1:1").client("sqs", read_timeout=45)
    try:
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (5.0, 45)
        assert config.retries == {"mode": "standard", "total_max_attempts": 3}
        assert client.meta.endpoint_url == "http://127.0.0.1:1"
    finally:
        client.close()


def test_options_before_or_after_the_command() -> None:
    parser = build_parser()
    after = parser.parse_args(["rules", "list", "--endpoint", "http://a:1", "--region", "r"])
    before = parser.parse_args(["--endpoint", "http://b:2", "rules", "list"])
    assert (Connection.from_args(after).endpoint, Connection.from_args(after).region) == (
        "http://a:1",
        "r",
    )
    assert Connection.from_args(before).endpoint == "http://b:2"


def test_errors_show_the_aws_code_and_message() -> None:
    error = ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "Rule r does not exist."}},
        "DescribeRule",
    )
    assert error_text(error) == "ResourceNotFoundException: Rule r does not exist."
    assert error_text(BuswayError("ValidationException", "bad")) == "ValidationException: bad"
    unreachable = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/")
    assert error_text(unreachable) == 'Could not connect to the endpoint URL: "http://127.0.0.1:1/"'
    assert error_text(ValueError("a bug")) is None


def test_an_endpoint_without_a_scheme_is_said_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--endpoint", "localhost:4820", "rules", "list"]) == 1
    assert capsys.readouterr().err == (
        "busway: the endpoint 'localhost:4820' is not a URL: give it as http://HOST:PORT\n"
    )
