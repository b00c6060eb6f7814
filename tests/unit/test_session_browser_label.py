"""The account page labels each session with its browser and system, read from the
session's ``User-Agent`` (``identity.account.account_sessions.browser_label``)."""

from __future__ import annotations

import pytest

from idgate.identity.account.account_sessions import browser_label

AGENTS = {
    "Chrome on Linux": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/126.0.0.0 Safari/537.36",
    "Edge on Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Safari on iOS": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Chrome on Android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Firefox on macOS": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 "
    "Firefox/127.0",
    "Safari on macOS": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "Version/17.5 Safari/605.1.15",
}


@pytest.mark.parametrize(("label", "agent"), AGENTS.items())
def test_a_session_is_labelled_with_its_browser_and_system(label: str, agent: str) -> None:
    assert browser_label(agent) == label


@pytest.mark.parametrize("agent", [None, "", "python-httpx/0.27.0", "curl/8.8.0"])
def test_an_agent_that_names_no_known_browser_is_an_unknown_browser(agent: str | None) -> None:
    assert browser_label(agent) == "Unknown browser"
