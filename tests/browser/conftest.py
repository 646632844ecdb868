import os

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM then refuses
# synchronous queries from that thread unless told it is safe (it is: one thread here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Playwright cannot download browsers here: use Debian's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(autouse=True)
def _demo_data(transactional_db: None) -> None:
    """Browser tests run against a live server, so in transactional tests, which end with a
    flush: the demo is seeded again when an earlier test's flush removed it."""
    from django.core.management import call_command

    from coordination.models import Forum

    if not Forum.objects.exists():
        call_command("seed_demo", "--force", verbosity=0)


# --- A phone, a login and the checks every new page passes -------------------------------

PASSWORD = settings.DEMO_PASSWORD or "samraad-demo-2026"
PHONE = {"width": 390, "height": 844}
AXE = Axe()


@pytest.fixture
def phone(page: Any) -> Any:
    """The page at a phone's width (390 x 844)."""
    page.set_viewport_size(PHONE)
    return page


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/**")


# The elements reaching past the right edge, to say what overflows when something does.
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .map(el => `${el.tagName.toLowerCase()}.${el.getAttribute("class") || ""}`)
    .slice(0, 10);
}"""


def assert_fits_and_passes_axe(page: Any, what: str) -> None:
    """No sideways scrolling at 390 px, and no axe violation (details opened first)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{what}: {overflow} px too wide: {page.evaluate(WIDE_ELEMENTS)}"
    results = AXE.run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_snapshot()}"
