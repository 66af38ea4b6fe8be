"""The SQS API as boto3 sees it: botocore serializes every request and parses every answer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from busway.service.queue_checksums import attributes_md5
from busway.store.queues import MessageAttribute
from tests.unit.queues.wire import ACCOUNT, URL, Sqs, SqsError


@pytest.fixture
def sqs() -> Sqs:
    return Sqs()


def test_md5_of_attributes_matches_the_spec_vectors() -> None:
    vectors = {
        "attribName1": MessageAttribute("String", "attribValue 1"),
        "customNumberTypeAttrib": MessageAttribute(
            "Number.float", "4563442423554324324264524243.32543234"
        ),
        "binaryAttribute": MessageAttribute("Binary", binary_value=b"Hello binary world!"),
    }
    assert attributes_md5({"s": MessageAttribute("String", "v")}) == (
        "f711c779386017be0858627ced765df3"
    )
    assert attributes_md5(vectors) == "c932db14a896c663f83c260297d594ff"
    assert attributes_md5({}) is None


def test_queue_lifecycle(sqs: Sqs) -> None:
    url = sqs.create("orders")
    assert url == f"{URL}/orders"
    assert sqs("GetQueueUrl", QueueName="orders") == {"QueueUrl": url}
    assert sqs("ListQueues", QueueNamePrefix="ord") == {"QueueUrls": [url]}
    assert sqs("ListQueues", QueueNamePrefix="zzz") == {}
    sqs("SetQueueAttributes", QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    got = sqs("GetQueueAttributes", QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])
    assert got == {
        "Attributes": {
            "VisibilityTimeout": "45",
            "QueueArn": "arn:aws:sqs:us-east-1:123456789012:orders",
        }
    }
    assert sqs("GetQueueAttributes", QueueUrl=url) == {}
    sqs("TagQueue", QueueUrl=url, Tags={"env": "dev", "team": "a"})
    sqs("UntagQueue", QueueUrl=url, TagKeys=["team"])
    assert sqs("ListQueueTags", QueueUrl=url) == {"Tags": {"env": "dev"}}
    sqs("DeleteQueue", QueueUrl=url)
    with pytest.raises(SqsError) as raised:
        sqs("DeleteQueue", QueueUrl=url)
    assert (raised.value.status, raised.value.code, raised.value.shape) == (
        400,
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    )


def test_list_queues_pages_only_with_max_results(sqs: Sqs) -> None:
    for name in ("a", "b", "c"):
        sqs.create(name)
    first = sqs("ListQueues", MaxResults=2)
    assert first["QueueUrls"] == [f"{URL}/a", f"{URL}/b"]
    rest = sqs("ListQueues", MaxResults=2, NextToken=first["NextToken"])
    assert rest == {"QueueUrls": [f"{URL}/c"]}
    assert "NextToken" not in sqs("ListQueues")


def test_a_dead_letter_arn_that_is_no_queue_arn_is_refused_before_any_lookup(sqs: Sqs) -> None:
    policy = '{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}'
    with pytest.raises(SqsError) as raised:
        sqs("CreateQueue", QueueName="q", Attributes={"RedrivePolicy": policy})
    assert (raised.value.code, raised.value.message) == (
        "InvalidParameterValue",
        f"Value {policy} for parameter RedrivePolicy is invalid. "
        "Reason: Invalid value for deadLetterTargetArn.",
    )


def test_a_redrive_policy_without_max_receive_count_names_it(sqs: Sqs) -> None:
    policy = '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}'
    with pytest.raises(SqsError) as raised:
        sqs("CreateQueue", QueueName="q", Attributes={"RedrivePolicy": policy})
    assert raised.value.message == (
        f"Value {policy} for parameter RedrivePolicy is invalid. "
        "Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount."
    )


def test_dead_letter_sources_page_with_max_results(sqs: Sqs) -> None:
    dlq = sqs.create("dlq")
    policy = (
        '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"3"}'
    )
    for name in ("a", "b", "c"):
        sqs.create(name)
        if name != "b":
            sqs(
                "SetQueueAttributes", QueueUrl=f"{URL}/{name}", Attributes={"RedrivePolicy": policy}
            )
    assert sqs("ListDeadLetterSourceQueues", QueueUrl=dlq) == {
        "queueUrls": [f"{URL}/a", f"{URL}/c"]
    }
    first = sqs("ListDeadLetterSourceQueues", QueueUrl=dlq, MaxResults=1)
    assert first["queueUrls"] == [f"{URL}/a"]
    rest = sqs(
        "ListDeadLetterSourceQueues", QueueUrl=dlq, MaxResults=1, NextToken=first["NextToken"]
    )
    assert rest == {"queueUrls": [f"{URL}/c"]}


def test_send_receive_delete_with_attributes(sqs: Sqs) -> None:
    url = sqs.create("q")
    attributes = {
        "s": {"DataType": "String", "StringValue": "v"},
        "n": {"DataType": "Number", "StringValue": "1.5"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    sent = sqs("SendMessage", QueueUrl=url, MessageBody="hello", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    assert sent["MD5OfMessageAttributes"] == "9a8c016ae662af14346c70838c316c42"
    got = sqs(
        "ReceiveMessage",
        QueueUrl=url,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
        MessageAttributeNames=["s"],
    )
    (message,) = got["Messages"]
    assert message["Attributes"] == {"ApproximateReceiveCount": "1"}
    assert message["MessageAttributes"] == {"s": {"DataType": "String", "StringValue": "v"}}
    assert message["MD5OfMessageAttributes"] == "f711c779386017be0858627ced765df3"
    sqs("DeleteMessage", QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sqs("ReceiveMessage", QueueUrl=url, VisibilityTimeout=0) == {}


@pytest.mark.parametrize(
    ("system", "message"),
    [
        (
            {"Foo": {"DataType": "String", "StringValue": "v"}},
            "Message system attribute name 'Foo' is invalid. The only supported message system "
            "attribute is AWSTraceHeader.",
        ),
        (
            {"AWSTraceHeader": {"DataType": "Number", "StringValue": "1"}},
            "The type of message system attribute 'AWSTraceHeader' is invalid. It must be String.",
        ),
    ],
)
def test_awstraceheader_is_the_only_system_attribute_a_sender_sets(
    sqs: Sqs, system: dict[str, object], message: str
) -> None:
    url = sqs.create("q")
    with pytest.raises(SqsError) as raised:
        sqs("SendMessage", QueueUrl=url, MessageBody="m", MessageSystemAttributes=system)
    assert (raised.value.code, raised.value.message) == ("InvalidParameterValue", message)
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc-def"}}
    sent = sqs("SendMessage", QueueUrl=url, MessageBody="m", MessageSystemAttributes=trace)
    assert "MD5OfMessageSystemAttributes" in sent
    (got,) = sqs("ReceiveMessage", QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"]
    assert got["Attributes"]["AWSTraceHeader"] == "Root=1-abc-def"


@pytest.mark.parametrize("body", ["a\ud800b", "\udc00", "ok \U0001f600 then \ud83d"])
def test_half_a_surrogate_pair_is_invalid_message_contents(sqs: Sqs, body: str) -> None:
    url = sqs.create("q")
    with pytest.raises(SqsError) as raised:
        sqs("SendMessage", QueueUrl=url, MessageBody=body)
    assert raised.value.code == "InvalidMessageContents"
    assert raised.value.message.startswith("Invalid characters found.")
    assert sqs("ReceiveMessage", QueueUrl=url) == {}


@pytest.mark.parametrize(
    ("names", "wanted"),
    [
        (["All"], {"Hello", "Help.Me", "Other"}),
        ([".*"], {"Hello", "Help.Me", "Other"}),
        (["*"], {"Hello", "Help.Me", "Other"}),
        (["Hel.*"], {"Hello", "Help.Me"}),  # the prefix is "Hel", not "Hel."
        (["Help.*"], {"Help.Me"}),
        (["Other", "Nope"], {"Other"}),
        (["Nope"], set()),
    ],
)
def test_message_attribute_names_pick_as_aws_does(
    sqs: Sqs, names: list[str], wanted: set[str]
) -> None:
    url = sqs.create("q")
    attributes = {
        name: {"DataType": "String", "StringValue": "v"} for name in ("Hello", "Help.Me", "Other")
    }
    sqs("SendMessage", QueueUrl=url, MessageBody="m", MessageAttributes=attributes)
    (got,) = sqs("ReceiveMessage", QueueUrl=url, MessageAttributeNames=names)["Messages"]
    assert set(got.get("MessageAttributes", {})) == wanted


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            {"MessageDeduplicationId": "d2"},
            "The request must contain the parameter MessageGroupId.",
        ),
        (
            {"MessageGroupId": "g"},
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly",
        ),
    ],
)
def test_a_fifo_batch_entry_without_its_ids_fails_the_whole_batch(
    sqs: Sqs, second: dict[str, str], message: str
) -> None:
    url = sqs.create("q.fifo", FifoQueue="true")
    entries = [
        {"Id": "1", "MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "d1"},
        {"Id": "2", "MessageBody": "b", **second},
    ]
    with pytest.raises(SqsError) as raised:
        sqs("SendMessageBatch", QueueUrl=url, Entries=entries)
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        400,
        "InvalidParameterValue",
        message,
    )
    assert sqs("ReceiveMessage", QueueUrl=url) == {}  # the valid entry was not sent either


def test_a_string_attribute_with_control_characters_is_refused(sqs: Sqs) -> None:
    url = sqs.create("q")
    bad = {"a": {"DataType": "String", "StringValue": "Invalid-\x08,\x0b"}}
    with pytest.raises(SqsError) as raised:
        sqs("SendMessage", QueueUrl=url, MessageBody="m", MessageAttributes=bad)
    assert raised.value.code == "InvalidParameterValue"
    assert raised.value.message.startswith("Message (user) attribute 'a' has an invalid value")
    entries = [{"Id": "1", "MessageBody": "m", "MessageAttributes": bad}]
    sent = sqs("SendMessageBatch", QueueUrl=url, Entries=entries)
    assert [failed["Code"] for failed in sent["Failed"]] == ["InvalidParameterValue"]
    fine = {"a": {"DataType": "String", "StringValue": "tab\tnew line\n\u00e9\U0001f600"}}
    sqs("SendMessage", QueueUrl=url, MessageBody="m", MessageAttributes=fine)


def test_batches_report_entries_and_reject_bad_requests(sqs: Sqs) -> None:
    url = sqs.create("q")
    sent = sqs(
        "SendMessageBatch",
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "MessageBody": "a"},
            {"Id": "late", "MessageBody": "b", "DelaySeconds": 901},
        ],
    )
    assert [e["Id"] for e in sent["Successful"]] == ["ok"]
    assert sent["Failed"][0]["Code"] == "InvalidParameterValue"
    assert sent["Failed"][0]["SenderFault"] is True
    (message,) = sqs("ReceiveMessage", QueueUrl=url)["Messages"]
    handle = message["ReceiptHandle"]
    changed = sqs(
        "ChangeMessageVisibilityBatch",
        QueueUrl=url,
        Entries=[{"Id": "a", "ReceiptHandle": handle, "VisibilityTimeout": 0}],
    )
    assert changed["Successful"] == [{"Id": "a"}]
    deleted = sqs(
        "DeleteMessageBatch",
        QueueUrl=url,
        Entries=[{"Id": "a", "ReceiptHandle": handle}, {"Id": "b", "ReceiptHandle": "junk"}],
    )
    assert deleted["Successful"] == [{"Id": "a"}]
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    cases = [
        ([], "AWS.SimpleQueueService.EmptyBatchRequest"),
        ([{"Id": str(i), "MessageBody": "x"} for i in range(11)],
         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
        ([{"Id": "a", "MessageBody": "x"}] * 2, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
        ([{"Id": "a b", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
    ]  # fmt: skip
    for entries, code in cases:
        with pytest.raises(SqsError) as raised:
            sqs("SendMessageBatch", QueueUrl=url, Entries=entries)
        assert raised.value.code == code


@pytest.mark.parametrize(
    ("operation", "params", "status", "code", "shape"),
    [
        ("ReceiveMessage", {"MaxNumberOfMessages": 11}, 400, "InvalidParameterValue",
         "InvalidParameterValueException"),
        ("ReceiveMessage", {"WaitTimeSeconds": 21}, 400, "InvalidParameterValue",
         "InvalidParameterValueException"),
        ("SendMessage", {"MessageBody": ""}, 400, "MissingParameter",
         "MissingRequiredParameterException"),
        ("SendMessage", {"MessageBody": "\x00"}, 400, "InvalidMessageContents",
         "InvalidMessageContents"),
        ("DeleteMessage", {"ReceiptHandle": "junk"}, 404, "ReceiptHandleIsInvalid",
         "ReceiptHandleIsInvalid"),
        ("SetQueueAttributes", {"Attributes": {"DelaySeconds": "901"}}, 400,
         "InvalidAttributeValue", "InvalidAttributeValue"),
        ("SetQueueAttributes", {"Attributes": {"Nope": "1"}}, 400, "InvalidAttributeName",
         "InvalidAttributeName"),
    ],
)  # fmt: skip
def test_errors_carry_the_shape_and_the_legacy_code(
    sqs: Sqs, operation: str, params: dict[str, object], status: int, code: str, shape: str
) -> None:
    url = sqs.create("q")
    with pytest.raises(SqsError) as raised:
        sqs(operation, QueueUrl=url, **params)
    assert (raised.value.status, raised.value.code, raised.value.shape) == (status, code, shape)
    assert raised.value.headers["x-amzn-query-error"] == f"{code};Sender"


def test_queue_name_exists_and_purge_in_progress(sqs: Sqs) -> None:
    url = sqs.create("q", VisibilityTimeout="30")
    with pytest.raises(SqsError) as exists:
        sqs.create("q", VisibilityTimeout="31")
    assert (exists.value.code, exists.value.shape) == ("QueueAlreadyExists", "QueueNameExists")
    sqs("PurgeQueue", QueueUrl=url)
    with pytest.raises(SqsError) as purging:
        sqs("PurgeQueue", QueueUrl=url)
    assert purging.value.status == 403
    assert purging.value.shape == "PurgeQueueInProgress"


def test_a_short_poll_past_the_in_flight_cap_is_over_limit() -> None:
    sqs = Sqs(max_in_flight=2)
    url = sqs.create("q", VisibilityTimeout="300")
    for n in range(3):
        sqs("SendMessage", QueueUrl=url, MessageBody=f"m{n}")
    taken = sqs("ReceiveMessage", QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert len(taken) == 2
    with pytest.raises(SqsError) as over:
        sqs("ReceiveMessage", QueueUrl=url)
    assert (over.value.status, over.value.shape, over.value.code) == (403, "OverLimit", "OverLimit")
    # Once a message left flight and the count is taken again, receives go on.
    sqs("DeleteMessage", QueueUrl=url, ReceiptHandle=taken[0]["ReceiptHandle"])
    sqs.clock.advance(timedelta(seconds=1))
    assert [m["Body"] for m in sqs("ReceiveMessage", QueueUrl=url)["Messages"]] == ["m2"]


def test_fifo_send_returns_sequence_numbers(sqs: Sqs) -> None:
    url = sqs.create("jobs.fifo", FifoQueue="true")
    sent = sqs(
        "SendMessage",
        QueueUrl=url,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
    )
    assert sent["SequenceNumber"] == "00000000000000000001"
    got = sqs("ReceiveMessage", QueueUrl=url, AttributeNames=["All"])
    attributes = got["Messages"][0]["Attributes"]
    assert attributes["MessageGroupId"] == "g"
    assert attributes["MessageDeduplicationId"] == "d"
    with pytest.raises(SqsError) as raised:
        sqs.create("plain.fifo")
    assert raised.value.code == "InvalidParameterValue"


def test_a_url_naming_no_queue_is_an_invalid_address(sqs: Sqs) -> None:
    with pytest.raises(SqsError) as raised:
        sqs("SendMessage", QueueUrl="http://host/", MessageBody="x")
    assert (raised.value.status, raised.value.code) == (404, "InvalidAddress")


def test_permissions_are_statements_of_the_queue_policy(sqs: Sqs) -> None:
    # As AWS answered in LocalStack's AWS-validated test_sqs_permission_lifecycle.
    url = sqs.create("q")
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"

    def policy() -> dict[str, object] | None:
        answer = sqs("GetQueueAttributes", QueueUrl=url, AttributeNames=["Policy"])
        text = answer.get("Attributes", {}).get("Policy")
        return None if text is None else json.loads(text)

    def statement(label: str, principal: object) -> dict[str, object]:
        return {
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "SQS:ReceiveMessage",
            "Resource": arn,
        }

    other = "668614515564"
    grant = {"QueueUrl": url, "Actions": ["ReceiveMessage"], "Label": "cross"}
    assert sqs("AddPermission", AWSAccountIds=[ACCOUNT, other], **grant) == {}
    principals = [f"arn:aws:iam::{ACCOUNT}:root", f"arn:aws:iam::{other}:root"]
    assert policy() == {
        "Version": "2008-10-17",
        "Id": f"{arn}/SQSDefaultPolicy",
        "Statement": [statement("cross", principals)],
    }
    assert sqs("RemovePermission", QueueUrl=url, Label="cross") == {}
    assert policy() is None
    sqs("AddPermission", AWSAccountIds=[ACCOUNT], **grant)
    with pytest.raises(SqsError) as twice:
        sqs("AddPermission", AWSAccountIds=[other], **grant)
    assert (twice.value.code, twice.value.message) == (
        "InvalidParameterValue",
        "Value cross for parameter Label is invalid. Reason: Already exists.",
    )
    sqs("AddPermission", AWSAccountIds=[ACCOUNT], **{**grant, "Label": "cross2"})
    mine = f"arn:aws:iam::{ACCOUNT}:root"
    found = policy()
    assert found is not None
    assert found["Statement"] == [statement("cross", mine), statement("cross2", mine)]
    sqs("RemovePermission", QueueUrl=url, Label="cross")
    sqs("RemovePermission", QueueUrl=url, Label="cross2")
    assert policy() is None
    with pytest.raises(SqsError) as missing:
        sqs("RemovePermission", QueueUrl=url, Label="cross2")
    assert (missing.value.code, missing.value.message) == (
        "InvalidParameterValue",
        "Value cross2 for parameter Label is invalid. Reason: can't find label.",
    )


def test_permissions_need_a_label_accounts_and_actions(sqs: Sqs) -> None:
    url = sqs.create("q")
    with pytest.raises(SqsError) as bad:
        sqs("AddPermission", QueueUrl=url, Label="no spaces", AWSAccountIds=["1"], Actions=["*"])
    assert bad.value.message.startswith("Value no spaces for parameter Label is invalid.")
    with pytest.raises(SqsError) as none:
        sqs("AddPermission", QueueUrl=url, Label="l", AWSAccountIds=[], Actions=["*"])
    assert none.value.code == "MissingParameter"


@pytest.mark.parametrize(
    ("name", "value", "taken"),
    [
        ("Policy", "not json", False),
        ("Policy", '{"Version": "2012-10-17"}', False),
        ("Policy", '{"Version": "2012-10-17", "Statement": []}', True),
        ("RedriveAllowPolicy", "nojson", False),
        ("RedriveAllowPolicy", '{"redrivePermission": "allowAll"}', True),
        ("RedriveAllowPolicy", '{"redrivePermission": "byQueue"}', False),
        (
            "RedriveAllowPolicy",
            '{"redrivePermission": "byQueue", '
            '"sourceQueueArns": ["arn:aws:sqs:us-east-1:123456789012:a"]}',
            True,
        ),
        ("RedriveAllowPolicy", '{"redrivePermission": "sometimes"}', False),
    ],
)
def test_policies_must_be_documents(sqs: Sqs, name: str, value: str, taken: bool) -> None:
    url = sqs.create("q")
    if taken:
        sqs("SetQueueAttributes", QueueUrl=url, Attributes={name: value})
        answer = sqs("GetQueueAttributes", QueueUrl=url, AttributeNames=[name])
        assert answer["Attributes"][name] == value
        return
    with pytest.raises(SqsError) as refused:
        sqs("SetQueueAttributes", QueueUrl=url, Attributes={name: value})
    # AWS's text for a refused Policy (quoted from a real answer, terraform-provider-aws #42209).
    assert (refused.value.code, refused.value.message) == (
        "InvalidAttributeValue",
        f"Invalid value for the parameter {name}.",
    )
