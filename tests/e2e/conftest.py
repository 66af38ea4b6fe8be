"""A real ``busway serve`` process, driven by boto3 and the aws CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.server import BuswayServer

REGION = "us-east-1"
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 1}, connect_timeout=5, read_timeout=30
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuswayServer]:
    with BuswayServer(tmp_path_factory.mktemp("busway") / "data") as running:
        yield running


def aws_client(service: str, endpoint: str, region: str = REGION) -> Any:
    """A boto3 client of ``service`` for busway at ``endpoint``, with dummy credentials."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=CLIENT_CONFIG,
    )


def events_client(endpoint: str, region: str = REGION) -> Any:
    return aws_client("events", endpoint, region)


def sqs_client(endpoint: str, region: str = REGION) -> Any:
    return aws_client("sqs", endpoint, region)


@pytest.fixture
def events(server: BuswayServer) -> Any:
    return events_client(server.endpoint)


@pytest.fixture
def unique() -> str:
    """A fresh name, so tests sharing one server never see each other's resources."""
    return f"t{uuid.uuid4().hex[:12]}"


def aws_cli(endpoint: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real aws CLI against busway; never reads the user's AWS config."""
    aws = Path(sys.executable).with_name("aws")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    return subprocess.run(
        [str(aws), "--endpoint-url", endpoint, "--output", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def cli_json(endpoint: str, *args: str) -> Any:
    return json.loads(aws_cli(endpoint, *args).stdout)
