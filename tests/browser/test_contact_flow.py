"""End to end in headless Chromium: an SSP worker logs a contact and sees it in the timeline."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ssp_worker_logs_a_contact(live_server, page) -> None:
    from coordination.models import Case

    case = (
        Case.objects.filter(
            forum__name="Knock Knock Aalborg", participants__unit__name="SSP Aalborg"
        )
        .exclude(status="closed")
        .first()
    )
    assert case is not None
    password = settings.DEMO_PASSWORD or "samraad-demo-2026"

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "ssp.aalborg")
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/sager/")
    assert page.locator("[data-testid=case-table]").is_visible()

    rows = page.locator("[data-testid=case-table] tbody tr")
    assert rows.count() > 1
    page.fill("#id_q", case.reference)  # htmx POSTs the search: the term stays out of the URL
    expect(rows).to_have_count(1)
    assert case.reference not in page.url
    page.locator(f"a:has-text('{case.reference}')").first.click()
    page.wait_for_url(f"{live_server.url}/sager/{case.pk}/")

    page.click("text=Registrér kontakt")
    page.select_option("#id_kind", "knock_visit")
    page.select_option("#id_result", "conversation_held")
    page.fill("#id_note", "Browsertest: samtale ved døren")
    page.click("main button:has-text('Gem kontakt')")
    page.wait_for_url(f"{live_server.url}/sager/{case.pk}/")

    timeline = page.locator("[data-testid=contact-timeline]")
    assert "Browsertest: samtale ved døren" in timeline.inner_text()
    page.screenshot(path=str(settings.BASE_DIR / "var" / "browser-contact.png"), full_page=True)
