"""Pages and screenshots for the browser tests; the session's Chromium itself (`browser`) is
in tests/conftest.py, so tests in other folders (tests/security) share the one instance."""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def phone_page(browser):
    # Playwright polls wait_for_function() predicates with eval, which the site's
    # Content-Security-Policy refuses; the policy itself is checked, without this bypass,
    # in tests/security/test_headers.py.
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
