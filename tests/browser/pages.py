"""Driving the dashboard in the browser, as the tests of its pages all do: log in, wait for Streamlit's run
to finish, open a page from the sidebar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

OVERVIEW = "总览"


def settle(page) -> None:
    """Wait until the Streamlit script has finished its run."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)


def log_in(browser, base: str, username: str, password: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page.goto(base)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    return page


def open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    settle(page)


@contextmanager
def signed_in(browser, base: str, world, username: str) -> Iterator:
    """A page logged in as one of the world's users and settled on the overview, where a login lands; the
    page is closed afterwards whatever the test found."""
    page = log_in(browser, base, username, world.users[username][2])
    try:
        page.get_by_role("heading", name=OVERVIEW, exact=True).wait_for()
        settle(page)
        yield page
    finally:
        page.close()
