"""The web console in a real browser: Debian's Chromium driven by Playwright, against a real
``busway serve``. Needs /usr/bin/chromium (``apt-get install chromium``); never downloads one."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import REGION, events_client, sqs_client
from tests.support.server import BuswayServer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000  # how long the browser may take to show something (not a timing assertion)
ACCOUNT = "000000000000"  # busway's default account


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def _queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def test_a_rule_made_over_the_api_shows_in_the_console(
    server: BuswayServer, page: Any, unique: str
) -> None:
    from playwright.sync_api import expect

    events = events_client(server.endpoint)
    events.create_event_bus(Name=unique)
    pattern = {"source": ["shop"], "detail-type": ["OrderPlaced"]}
    events.put_rule(Name="orders", EventBusName=unique, EventPattern=json.dumps(pattern))
    target = {
        "Id": "sink",
        "Arn": _queue_arn(f"{unique}-sink"),
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 900},
        "DeadLetterConfig": {"Arn": _queue_arn(f"{unique}-dlq")},
    }
    events.put_targets(Rule="orders", EventBusName=unique, Targets=[target])

    page.goto(f"{server.endpoint}/console/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Event buses")
    page.get_by_role("link", name=unique, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Event bus {unique}")
    page.get_by_role("link", name="orders", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rule orders")
    expect(page.locator("pre").first).to_contain_text('"detail-type": [\n    "OrderPlaced"\n  ]')
    targets = page.get_by_role("table", name="Targets of orders")
    expect(targets).to_contain_text("3 retries, events up to 900 s old")
    expect(targets).to_contain_text(_queue_arn(f"{unique}-dlq"))


def test_a_put_event_appears_in_the_activity_view_without_reloading(
    server: BuswayServer, page: Any, unique: str
) -> None:
    from playwright.sync_api import expect

    events = events_client(server.endpoint)
    sqs = sqs_client(server.endpoint)
    events.create_event_bus(Name=unique)
    sqs.create_queue(QueueName=f"{unique}-sink")
    events.put_rule(Name="orders", EventBusName=unique, EventPattern='{"source":["shop"]}')
    target = {"Id": "sink", "Arn": _queue_arn(f"{unique}-sink")}
    events.put_targets(Rule="orders", EventBusName=unique, Targets=[target])

    page.goto(f"{server.endpoint}/console/activity?bus={unique}")
    expect(page.get_by_role("status")).to_contain_text("updated live")
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded
    entry = {
        "EventBusName": unique,
        "Source": "shop",
        "DetailType": f"Placed {unique}",
        "Detail": '{"total": 42}',
    }
    [answer] = events.put_events(Entries=[entry])["Entries"]
    rows = page.locator("#activity-rows")
    expect(rows).to_contain_text(f"Placed {unique}")
    expect(rows).to_contain_text(answer["EventId"])
    expect(rows).to_contain_text("orders → sink: delivered")
    assert page.evaluate("window.sameDocument") is True


def test_the_sandbox_shows_aws_error_reason_for_a_bad_pattern(
    server: BuswayServer, page: Any
) -> None:
    from playwright.sync_api import expect

    bad_pattern = '{"detail": {"total": [{"numeric": [">", "ten"]}]}}'
    event = {
        "id": "1",
        "detail-type": "OrderPlaced",
        "source": "shop",
        "account": ACCOUNT,
        "time": "2024-05-06T07:08:09Z",
        "region": REGION,
        "resources": [],
        "detail": {"total": 42},
    }
    with pytest.raises(ClientError) as refused:
        events_client(server.endpoint).test_event_pattern(
            EventPattern=bad_pattern, Event=json.dumps(event)
        )
    reason = refused.value.response["Error"]["Message"]

    page.goto(f"{server.endpoint}/console/sandbox")
    page.get_by_label("Event (JSON)").fill(json.dumps(event))
    page.get_by_label("Event pattern (JSON)").fill(bad_pattern)
    page.get_by_role("button", name="Test pattern").click()
    result = page.get_by_role("alert")
    expect(result).to_contain_text("InvalidEventPatternException")
    expect(result).to_contain_text(reason)


def test_dead_letters_are_redriven_through_the_console(
    server: BuswayServer, page: Any, unique: str
) -> None:
    from playwright.sync_api import expect

    events = events_client(server.endpoint)
    sqs = sqs_client(server.endpoint)
    dlq = sqs.create_queue(QueueName=f"{unique}-dlq")["QueueUrl"]
    events.put_rule(Name=unique, EventPattern=json.dumps({"source": [unique]}))
    # The target queue does not exist yet: the one attempt fails and the event is dead-lettered.
    target = {
        "Id": "sink",
        "Arn": _queue_arn(f"{unique}-sink"),
        "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 600},
        "DeadLetterConfig": {"Arn": _queue_arn(f"{unique}-dlq")},
    }
    events.put_targets(Rule=unique, Targets=[target])
    entry = {"Source": unique, "DetailType": "OrderPlaced", "Detail": "{}"}
    [answer] = events.put_events(Entries=[entry])["Entries"]
    _wait_for_messages(sqs, dlq)
    sink = sqs.create_queue(QueueName=f"{unique}-sink")["QueueUrl"]

    page.goto(f"{server.endpoint}/console/queue?name={unique}-dlq")
    expect(page.get_by_role("table", name="The first 1 messages, oldest first")).to_contain_text(
        answer["EventId"]
    )
    page.get_by_role("button", name="Redrive to targets").click()
    expect(page.get_by_role("status")).to_have_text("Redriven: 1. Left on the queue: 0.")
    [message] = _wait_for_messages(sqs, sink)
    assert json.loads(message["Body"])["id"] == answer["EventId"]
    page.goto(f"{server.endpoint}/console/activity?bus=default")
    expect(page.locator("#activity-rows")).to_contain_text(f"{unique} → sink: delivered")


def _wait_for_messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Long-polls until the queue has a message (the test's own timeout bounds it)."""
    while True:
        found = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=0)
        if found.get("Messages"):
            messages: list[dict[str, Any]] = found["Messages"]
            return messages
        time.sleep(0.05)
