"""End to end in headless Chromium: the Knock Knock nomination. politi.forebyg records a
young person from the police daily report; ssp.aalborg finds it in the intake queue,
screens it "open a case" on the 15-17 track, and lands on the new case."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import timezone

from coordination import cpr_register
from tests.conftest import fresh_cpr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = settings.DEMO_PASSWORD or "samraad-demo-2026"


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/sager/")


def test_a_nomination_is_recorded_screened_and_becomes_a_case(live_server, page) -> None:
    from coordination.models import Case, ConcernReport, Forum

    forum = Forum.objects.get(name="Knock Knock Aalborg")
    cpr = fresh_cpr(16)
    base = live_server.url

    login(page, base, "politi.forebyg")
    page.click("text=Bekymringer")
    page.click("text=Ny bekymringshenvendelse")
    page.select_option("#id_forum", str(forum.pk))
    page.select_option("#id_received_by", label="Forebyggelse Aalborg")
    page.select_option("#id_channel", "police_daily_report")
    page.check("input[name=urgency][value=amber]")
    page.fill("#id_reporter", "Vagthavende")
    page.fill("#id_summary", "Browsertest: set med ældre gruppe ved banegården")
    page.fill("#id_cpr", cpr)
    page.click("main button[type=submit]")
    # The CPR register's name is shown for confirmation ("Er det NN?") before anything is
    # recorded; the second submit confirms it.
    name = cpr_register.lookup(cpr).name  # type: ignore[union-attr]
    assert name in page.locator("[data-testid=confirm-citizen]").inner_text()
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"{base}/bekymringer/\d+/$"))
    assert cpr not in page.url
    report = ConcernReport.objects.get(summary__startswith="Browsertest")
    assert report.citizen is not None and report.screening_due_at > timezone.now()

    login(page, base, "ssp.aalborg")
    page.goto(f"{base}/bekymringer/")
    page.click(f"text={report.reference}")
    page.click("main a:has-text('Screen')")
    page.check("input[name=decision][value=open_case]")
    page.select_option("#id_lead_unit", label="SSP Aalborg")
    page.select_option("#id_track", "15-17")
    page.fill("#id_note", "Optages i Knock Knock på listemødet")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"{base}/sager/\d+/$"))

    case = Case.objects.get(concern_reports=report)
    assert page.url == f"{base}/sager/{case.pk}/"
    assert case.forum == forum and case.track == "15-17" and case.status == "active"
    assert name in page.locator("main").inner_text()
    page.screenshot(path=str(settings.BASE_DIR / "var" / "browser-nomination.png"), full_page=True)
