"""
Browser tests: Playwright driving Debian's Chromium against a live server.
`make test` installs Chromium when it is missing; without it these tests
skip locally and fail in CI.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.axe import AccessibilityLog

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# Every tab has the same size, so that screenshots look the same each time.
VIEWPORT = {"width": 1280, "height": 900}

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
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
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


@pytest.fixture(scope="session")
def screenshot_folder(tmp_path_factory) -> Path:
    """
    SCREENSHOT_DIR (set by `make screenshots`) keeps the pictures, for
    docs/screenshots/; otherwise they go to a temporary folder, so that a
    normal test run still proves each one can be taken without touching the
    working tree.
    """
    folder = os.environ.get("SCREENSHOT_DIR")
    path = Path(folder).resolve() if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def screenshot(screenshot_folder):
    """`screenshot(page, "officer-ranking")` saves the whole page as officer-ranking.png."""

    def take(page, name: str) -> Path:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"not a stable file name: {name}"
        page.wait_for_load_state()
        path = screenshot_folder / f"{name}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        return path

    return take
