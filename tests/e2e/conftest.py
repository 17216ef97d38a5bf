"""
Browser tests: Playwright driving Debian's Chromium against a live server.
`make test` installs Chromium when it is missing; without it these tests
skip locally and fail in CI.
"""

import os
import shutil

import pytest

from tests.e2e.axe import AccessibilityLog

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# Playwright's sync API runs an event loop; Django refuses ORM calls from a
# thread that has one unless told this is intended (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (CI must run the browser tests)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def accessibility():
    """Every page a test visits is checked with axe; any violation fails the test."""
    log = AccessibilityLog()
    yield log
    assert not log.problems, "Accessibility violations:\n" + "\n".join(log.problems)


@pytest.fixture
def new_page(browser, live_server):
    """
    `new_page()` opens a fresh, signed-out browser tab on the live server.
    Anything the Content Security Policy blocks fails the test.
    """
    contexts = []
    blocked = []

    def make():
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda message: blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not blocked, "Blocked by the Content Security Policy:\n" + "\n".join(blocked)
