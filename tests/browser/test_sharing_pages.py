"""The pages issue 14 added or changed, in headless Chromium on a 390 px wide phone: none
scrolls sideways and axe finds no violations. The sharing details (`<details>`) are opened
first, so the decision a user makes when writing is checked too, not only the summary."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_and_passes_axe, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _case_with_everything() -> Any:
    from coordination.models import Case

    case = (
        Case.objects.filter(
            forum__name="Knock Knock Aalborg", participants__unit__name="SSP Aalborg"
        )
        .exclude(status="closed")
        .first()
    )
    assert case is not None
    return case


def test_case_work_pages_with_their_sharing_decision(live_server, phone) -> None:
    case = _case_with_everything()
    base = live_server.url
    login(phone, base, "ssp.aalborg")
    pages = {
        "case page": f"/sager/{case.pk}/",
        "contact": f"/sager/{case.pk}/kontakt/",
        "offer": f"/sager/{case.pk}/tilbud/",
        "referral": f"/sager/{case.pk}/henvisninger/",
        "incident": f"/sager/{case.pk}/haendelser/",
        "outcome": f"/sager/{case.pk}/opfoelgning/",
        "action": f"/sager/{case.pk}/opgaver/ny/",
        "share again": f"/sager/{case.pk}/del-igen/",
        "consent": f"/sager/{case.pk}/samtykke/",
        "new case": "/sager/ny/",
        "notifications": "/notifikationer/",
    }
    for what, path in pages.items():
        response = phone.goto(f"{base}{path}")
        assert response is not None and response.status == 200, what
        assert phone.locator("main").count() == 1, what
        assert_fits_and_passes_axe(phone, what)
    # The contact form's sharing decision is really there to be checked.
    phone.goto(f"{base}/sager/{case.pk}/kontakt/")
    assert phone.locator("#id_category").count() == 1
    assert phone.locator("#id_legal_basis").count() == 1


def test_a_late_joiner_is_told_and_earlier_content_is_shared_again(live_server, phone) -> None:
    """SSP wrote an entry; Familiegrupperne joins later and is told something exists but not
    what; SSP shares it again (first forgetting the justification), and then it reads it.
    Every page on the way fits the phone and passes axe, the error page included."""
    from coordination import services
    from coordination.models import ALL_CATEGORIES
    from tests.helpers import unit, user

    case = _case_with_everything()
    ssp, family = user("ssp.aalborg"), unit("Familiegrupperne")
    case.participants.filter(unit=family).delete()
    services.entry_share(
        actor=ssp,
        case=case,
        category="general",
        legal_basis="RPL115_SSP",
        justification="Koordinering",
        text="Browsertest: uro i hjemmet",
    )
    services.participant_add(
        actor=ssp,
        case=case,
        unit=family,
        role="participant",
        legal_basis="RPL115_SSP",
        categories=ALL_CATEGORIES,
    )
    base = live_server.url

    login(phone, base, "fam.aalborg")
    phone.goto(f"{base}/sager/{case.pk}/")
    assert phone.locator("[data-testid=unreceived]").is_visible()
    assert "uro i hjemmet" not in phone.content()
    assert_fits_and_passes_axe(phone, "case page of a late joiner")

    login(phone, base, "ssp.aalborg")
    phone.goto(f"{base}/sager/{case.pk}/del-igen/")
    phone.select_option("#id_enhed", str(family.pk))
    phone.click("main form[method=get] button[type=submit]")
    phone.wait_for_url(f"**/del-igen/?enhed={family.pk}")
    assert_fits_and_passes_axe(phone, "share again")
    phone.locator("main label:has-text('uro i hjemmet')").click()
    phone.select_option("#id_legal_basis", "RPL115_SSP")
    phone.click("main button:has-text('Del')")
    expect(phone.locator("#id_justification")).to_have_attribute("aria-invalid", "true")
    assert_fits_and_passes_axe(phone, "share again with an error")
    phone.fill("#id_justification", "Familiegrupperne skal kende baggrunden")
    phone.click("main button:has-text('Del')")
    phone.wait_for_url(f"{base}/sager/{case.pk}/")

    login(phone, base, "fam.aalborg")
    phone.goto(f"{base}/sager/{case.pk}/")
    assert "Browsertest: uro i hjemmet" in phone.content()


def test_the_minutes_print_form(live_server, phone) -> None:
    from coordination.models import Meeting

    meeting = Meeting.objects.filter(forum__name="Knock Knock Aalborg").first()
    assert meeting is not None
    base = live_server.url
    login(phone, base, "ssp.aalborg")
    for what, path in {
        "meeting": f"/moeder/{meeting.pk}/",
        "minutes print form": f"/moeder/{meeting.pk}/referat/udskriv/",
    }.items():
        response = phone.goto(f"{base}{path}")
        assert response is not None and response.status == 200, what
        assert_fits_and_passes_axe(phone, what)


def test_the_insight_report(live_server, phone) -> None:
    from coordination.models import Citizen

    citizen = Citizen.objects.filter(cases__forum__name="Knock Knock Aalborg").first()
    assert citizen is not None
    base = live_server.url
    login(phone, base, "revisor")
    phone.goto(f"{base}/revision/indsigt/")
    assert_fits_and_passes_axe(phone, "insight form")
    number = citizen.full_cpr()
    phone.fill("#id_cpr", number)
    phone.click("main form button[type=submit] >> nth=0")
    phone.wait_for_load_state()
    assert number not in phone.url and number[:6] not in phone.url
    assert phone.locator("main h2, main h3").count() > 0
    assert_fits_and_passes_axe(phone, "insight report")
