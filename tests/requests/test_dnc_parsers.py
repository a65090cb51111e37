"""Whatever arrives, the readers of texts, emails, codes and the public form answer or refuse:
they never fail in another way."""

from __future__ import annotations

from email import message_from_bytes, policy

from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.errors import InvalidInput
from callkeep.requests import service, webhooks
from callkeep.requests.review import read_email
from callkeep.web import public

CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
)


@settings(max_examples=300)
@given(body=st.binary(max_size=300), content_type=CONTENT_TYPES)
def test_any_webhook_body_is_read_or_refused_as_invalid_input(
    body: bytes, content_type: str
) -> None:
    try:
        text = webhooks.parse_inbound_text(content_type=content_type, body=body)
    except InvalidInput:
        return
    assert isinstance(text.sender, str) and isinstance(text.body, str)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "data",
                        "payload",
                        "from",
                        "to",
                        "text",
                        "body",
                        "id",
                        "phone_number",
                        "received_at",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_json_shape_is_read_or_refused(payload: object) -> None:
    import json

    body = json.dumps(payload).encode()
    try:
        text = webhooks.parse_inbound_text(content_type="application/json", body=body)
    except InvalidInput as refused:
        assert refused.status_code == 422 and refused.message
    else:
        assert isinstance(text.sender, str) and isinstance(text.body, str)


@given(st.text(max_size=30))
def test_a_typed_code_is_normalized_once_and_for_all(typed: str) -> None:
    once = service.normalize_code(typed)
    assert service.normalize_code(once) == once
    assert once == once.upper()


@given(
    st.text(alphabet=service.CODE_ALPHABET, min_size=10, max_size=10),
    st.sampled_from([" ", "-", ""]),
)
def test_a_code_typed_in_lower_case_with_separators_is_the_same_code(code: str, sep: str) -> None:
    typed = (code[:5] + sep + code[5:]).lower()
    assert service.normalize_code(typed) == code


@given(phone=st.text(max_size=60), name=st.text(max_size=250), email=st.text(max_size=40))
def test_the_public_form_is_validated_without_failing(phone: str, name: str, email: str) -> None:
    e164, errors = public.validate(public.Submission(phone=phone, name=name, email=email))
    assert e164 is not None or "phone" in errors
    if e164 is not None:
        assert e164.startswith("+") and "phone" not in errors


@settings(max_examples=200)
@given(st.binary(max_size=500))
def test_any_email_bytes_are_read_without_failing(raw: bytes) -> None:
    email = read_email(message_from_bytes(raw, policy=policy.default), source="fuzz")
    assert isinstance(email.body, str) and isinstance(email.subject, str)
