import os

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM then refuses
# synchronous queries from that thread unless told it is safe (it is: one thread here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

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
