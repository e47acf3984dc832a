"""`lineage.webhooks.verify`: the Standard Webhooks reference vector, tolerance, rotation, and
that it agrees with what the server signs."""

from __future__ import annotations

import json

import pytest

import lineage.webhooks
from lineage.webhooks import WebhookVerificationError, sign, verify
from workflows.webhooks.signing import delivery_headers, new_secret

# From the Standard Webhooks specification's reference implementations.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(signature: str = SIGNATURE, timestamp: int = TIMESTAMP) -> dict[str, str]:
    return {
        "Webhook-Id": MSG_ID,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature,
    }


def test_the_reference_vector_verifies() -> None:
    assert sign(SECRET, MSG_ID, TIMESTAMP, BODY) == SIGNATURE
    assert verify(headers(), BODY, SECRET, now=TIMESTAMP + 10) == {"test": 2432232314}
    assert lineage.webhooks.verify(headers(), BODY.decode(), SECRET, now=TIMESTAMP) == {
        "test": 2432232314
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"body": BODY + b" "}, "no signature matches"),
        ({"secret": "whsec_" + "A" * 44}, "no signature matches"),
        ({"now": TIMESTAMP + 301}, "more than 300 s"),
        ({"now": TIMESTAMP - 301}, "more than 300 s"),
        ({"headers": headers("v1,bm90IGl0")}, "no signature matches"),
        ({"headers": headers(SIGNATURE.replace("v1", "v2"))}, "no signature matches"),
        ({"headers": {"webhook-id": MSG_ID}}, "missing header webhook-timestamp"),
        ({"secret": "whsec_%%%"}, "not a whsec_"),
    ],
)
def test_anything_else_is_refused(case: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"headers": headers(), "body": BODY, "secret": SECRET}
    args.update(case)
    now = args.pop("now", TIMESTAMP)
    with pytest.raises(WebhookVerificationError, match=message):
        verify(args["headers"], args["body"], args["secret"], now=now)  # type: ignore[arg-type]


def test_either_secret_of_a_rotation_verifies_what_the_server_signs() -> None:
    old, new = new_secret(), new_secret()
    body = json.dumps({"id": "e1", "type": "RUN_STARTED"}).encode()
    sent = delivery_headers([new, old], "e1", "RUN_STARTED", TIMESTAMP, body)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert verify(sent, body, secret, now=TIMESTAMP)["id"] == "e1"
    with pytest.raises(WebhookVerificationError):
        verify(sent, body, new_secret(), now=TIMESTAMP)
