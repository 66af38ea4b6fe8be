"""Recorded sample values shared by the transform tests."""

from __future__ import annotations

# The detail LocalStack's AWS-validated snapshots were recorded with, plus the extra values the
# §6.3 substitution table uses (listsingle, listmulti, valid).
RECORDED_DETAIL = (
    '{"command":"update-account","payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"},'
    '"listsingle":["HIGH"],"listmulti":["ACTIVE","INACTIVE"],"valid":true}'
)

EVENT_TEXT = (
    '{"version":"0","id":"1b9e6d2a-7a7e-4c3b-9a55-0f2b7e0c1d11",'
    '"detail-type":"core.update-account-command","source":"core.update-account-command",'
    '"account":"111111111111","time":"2024-06-11T08:33:10Z","region":"us-east-1",'
    '"resources":[],"detail":' + RECORDED_DETAIL + "}"
)

RULE_ARN = "arn:aws:events:us-east-1:111111111111:rule/my-bus/my-rule"
