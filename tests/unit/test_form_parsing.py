"""The token path's form parser (idgate.web.forms.parse_oauth_form) splits and decodes a
urlencoded body exactly as the standard library's parse_qsl does."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from idgate.kernel.errors import InvalidRequest
from idgate.web.forms import parse_oauth_form

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "body",
    [
        "grant_type=client_credentials",
        "grant_type=client_credentials&scope=read+write",
        "token=a%2Bb%3D%3D&token_type_hint=access_token",
        "redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&code=abc",
        "scope=&client_id=web",
        "flag&client_id=web&",
        "&&client_id=w%C3%A9b",
        "client_secret=p%25ss%2Bword+with+spaces",
        "a=1=2",
    ],
)
def test_form_parses_like_parse_qsl(body: str) -> None:
    expected = dict(parse_qsl(body, keep_blank_values=True))
    assert parse_oauth_form(FORM, body.encode()) == expected


def test_repeated_parameter_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="repeated: scope"):
        parse_oauth_form(FORM, b"scope=a&grant_type=x&scope=b")


def test_other_content_types_carry_no_parameters() -> None:
    assert parse_oauth_form("application/json", b'{"grant_type": "x"}') == {}


def test_too_many_fields_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest):
        parse_oauth_form(FORM, b"&".join(b"f%d=1" % i for i in range(100)))
