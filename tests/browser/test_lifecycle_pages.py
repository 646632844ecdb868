"""The pages issue 15 added, in headless Chromium on a 390 px wide phone, as their users
would go through them: the lead reviews an overdue case (first forgetting the reason),
decides as a young person turns 18, and a coordinator puts a closed case on hold and lifts
it again. Every page on the way fits the phone and passes axe, the error pages included, and
the dates are shown in Danish."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_and_passes_axe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def danish(day: dt.date) -> str:
    with override("da"):
        return date_format(day, "SHORT_DATE_FORMAT")


def _open_kk_case(days_to_18: int) -> Any:
    from tests.coordination.test_reviews import case_for, citizen_turning

    return case_for(citizen_turning(18, days_to_18), "Knock Knock Aalborg", track="15-17")


def test_the_lead_reviews_an_overdue_case(live_server, phone) -> None:
    from coordination.models import Case

    case = _open_kk_case(days_to_18=400)
    overdue = timezone.localdate() - dt.timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(next_review_at=overdue)
    base = live_server.url
    login(phone, base, "ssp.aalborg")

    phone.goto(f"{base}/sager/")
    assert_fits_and_passes_axe(phone, "case list with an overdue review")
    phone.goto(f"{base}/sager/{case.pk}/")
    assert danish(overdue) in phone.locator("main").inner_text()
    assert_fits_and_passes_axe(phone, "case page, review overdue")

    phone.goto(f"{base}/sager/{case.pk}/revurdering/")
    assert_fits_and_passes_axe(phone, "review")
    phone.locator("input[name=decision][value=continue]").check()
    phone.click("main form button[type=submit]")
    expect(phone.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    assert_fits_and_passes_axe(phone, "review with an error")
    phone.fill("#id_reason", "Fortsat kontakt med den unge")
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/sager/{case.pk}/")
    case.refresh_from_db()
    assert case.next_review_at is not None and case.next_review_at > timezone.localdate()
    assert danish(case.next_review_at) in phone.locator("main").inner_text()
    assert_fits_and_passes_axe(phone, "case page after the review")


def test_the_lead_decides_as_the_young_person_turns_18(live_server, phone) -> None:
    case = _open_kk_case(days_to_18=10)
    base = live_server.url
    login(phone, base, "ssp.aalborg")
    phone.goto(f"{base}/sager/{case.pk}/")
    assert_fits_and_passes_axe(phone, "case page, decision due")

    phone.goto(f"{base}/sager/{case.pk}/aldersgraense/")
    assert_fits_and_passes_axe(phone, "decision at the age band's end")
    phone.locator("input[name=decision][value=transfer]").check()
    phone.fill("#id_reason", "Fortsætter i SSP+")
    phone.click("main form button[type=submit]")
    assert phone.locator("[aria-invalid=true]").count() >= 1  # no forum chosen
    assert_fits_and_passes_axe(phone, "decision with an error")
    phone.locator("input[name=decision][value=move_track]").check()
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/sager/{case.pk}/")
    case.refresh_from_db()
    assert case.track == "18-25"


def test_a_coordinator_holds_a_closed_case_and_lifts_the_hold(live_server, phone) -> None:
    from coordination import services
    from coordination.models import ALL_CATEGORIES
    from tests.helpers import unit, user

    case = _open_kk_case(days_to_18=400)
    services.participant_add(
        actor=user("ssp.aalborg"),
        case=case,
        unit=unit("Forebyggelse Aalborg"),
        role="participant",
        legal_basis=case.forum.default_legal_basis,
        categories=ALL_CATEGORIES,
    )
    services.case_close(actor=user("ssp.aalborg"), case=case, reason="Afsluttet", code="other")
    base = live_server.url
    login(phone, base, "politi.forebyg")
    response = phone.goto(f"{base}/sager/{case.pk}/")
    assert response is not None and response.status == 200
    assert phone.locator("[data-testid=deletion-date]").count() >= 1
    assert_fits_and_passes_axe(phone, "closed case page with its deletion date")

    phone.goto(f"{base}/sager/{case.pk}/slettestop/")
    assert_fits_and_passes_axe(phone, "legal hold")
    phone.click("main form[novalidate] button[type=submit]")
    expect(phone.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    assert_fits_and_passes_axe(phone, "legal hold with an error")
    until = timezone.localdate() + dt.timedelta(days=90)
    phone.fill("#id_reason", "Klagesag under behandling")
    phone.fill("#id_until", until.isoformat())
    phone.click("main form[novalidate] button[type=submit]")
    phone.wait_for_url(f"{base}/sager/{case.pk}/")
    assert danish(until) in phone.locator("main").inner_text()
    assert_fits_and_passes_axe(phone, "case page on hold")

    phone.goto(f"{base}/sager/{case.pk}/slettestop/")
    assert_fits_and_passes_axe(phone, "legal hold with a hold in force")
    phone.click("[data-testid=holds] button[type=submit]")
    phone.wait_for_load_state()
    assert not case.legal_holds.filter(lifted_at__isnull=True).exists()
