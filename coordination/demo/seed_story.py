"""The workflow stories of the demo (coordination/demo/story.py) told through the services:
`Story`, one method per story, in the order things happen.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Unit, User
from coordination import access, services, workflows
from coordination.demo.citizens import CitizenSpec
from coordination.demo.seed_cases import CaseSeeder, backdate
from coordination.demo.story import (
    CONCERNS,
    FEEDBACK_NOTES,
    KK_ENGAGED_GUARDIANS,
    KK_MEETING_DISCUSSIONS,
    KK_PARENT_CONTACT,
    KK_STORY,
    KK_VISITS,
    PSP_CONTACTS,
    PSP_INCIDENTS,
    PSP_MEETING_DISCUSSION,
    PSP_OUTCOME_3M,
    PSP_REFERRAL_FEEDBACK,
    PSP_REFERRALS,
    PSP_STORY,
    SCREENING_NOTES,
)
from coordination.models import (
    AgendaItem,
    Case,
    Citizen,
    ConcernReport,
    Contact,
    Forum,
    LegalHold,
    Meeting,
    Offer,
    RelatedPerson,
)


class Story:
    """The workflows told around a few named citizens (KK_STORY, PSP_STORY), all
    through the services, in the order they happen. A story whose citizens exist is left as
    it is, which keeps a second run from adding anything."""

    def __init__(self, seeder: CaseSeeder) -> None:
        self.seeder = seeder
        self.tally = seeder.tally
        self.users = seeder.users
        self.units = seeder.units
        self.today = seeder.today
        self.now = timezone.now()

    # --- Helpers -------------------------------------------------------------------------

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def _ago(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        return self._at(self.today - dt.timedelta(days=days), hour, minute)

    def _citizens(self, specs: tuple[CitizenSpec, ...], actor: User) -> list[Citizen]:
        """The story's citizens, created; none if any of them exists (the story was told)."""
        if any(self.seeder.exists(spec) for spec in specs):
            self.tally.existing_stories += 1
            return []
        citizens = [
            services.citizen_create(
                actor=actor,
                cpr_number=spec.cpr(self.today.year),
                first_name=spec.first_name,
                last_name=spec.last_name,
            )
            for spec in specs
        ]
        self.tally.created["citizens"] += len(citizens)
        return citizens

    def _concern(
        self,
        key: str,
        forum: Forum,
        actor: User,
        unit: Unit,
        citizen: Citizen | None,
        received_at: dt.datetime,
    ) -> ConcernReport:
        channel, urgency, reporter, summary = CONCERNS[key]
        self.tally.created["concern reports"] += 1
        return services.concern_report_create(
            actor=actor,
            forum=forum,
            received_by=unit,
            channel=channel,
            urgency=urgency,
            summary=summary,
            reporter=reporter,
            citizen=citizen,
            received_at=received_at,
        )

    def _screened(self, report: ConcernReport, decided_at: dt.datetime) -> None:
        feedback_due = decided_at + workflows.FEEDBACK_WITHIN if report.reporter else None
        backdate(report, decided_at=decided_at, feedback_due_at=feedback_due)

    def _accept(
        self,
        key: str,
        report: ConcernReport,
        actor: User,
        lead_unit: Unit,
        track: str,
        decided_at: dt.datetime,
    ) -> Case:
        """The nomination accepted: a case opened by screening, the forum's units taking part."""
        services.concern_report_screen(
            actor=actor,
            report=report,
            decision=ConcernReport.Decision.OPEN_CASE,
            note=SCREENING_NOTES[key],
            lead_unit=lead_unit,
            track=track,
        )
        assert report.case is not None  # noqa: S101 (open_case ties the case)
        self._screened(report, decided_at)
        return self._enrolled(report.case, lead_unit, actor, decided_at)

    def _enrolled(self, case: Case, lead_unit: Unit, actor: User, opened_at: dt.datetime) -> Case:
        backdate(case, opened_at=opened_at)
        self.tally.created["cases"] += 1
        self.seeder.participants(case, lead_unit, actor)
        return case

    def _feedback(self, key: str, report: ConcernReport, actor: User, at: dt.datetime) -> None:
        services.concern_feedback_record(actor=actor, report=report, note=FEEDBACK_NOTES[key])
        backdate(report, feedback_given_at=at)

    def _contact(
        self,
        case: Case,
        actor: User,
        kind: str,
        result: str,
        at: dt.datetime,
        note: str,
        partner: User | None = None,
        related: RelatedPerson | None = None,
    ) -> Contact:
        self.tally.created["contacts"] += 1
        return services.contact_log(
            actor=actor,
            case=case,
            kind=kind,
            result=result,
            occurred_at=at,
            note=note,
            partner=partner,
            related_person=related,
        )

    def _visits(self, key: str, case: Case, related: RelatedPerson | None = None) -> list[Contact]:
        """Knock visits, always the SSP worker and the prevention officer together."""
        ssp, police = self.users["ssp.aalborg"], self.users["politi.forebyg"]
        return [
            self._contact(
                case,
                ssp,
                "knock_visit",
                result,
                self._ago(days, hour, minute),
                note,
                partner=police,
                related=related if result == "conversation_held" else None,
            )
            for days, hour, minute, result, note in KK_VISITS[key]
        ]

    def _offer(
        self,
        case: Case,
        actor: User,
        kind: str,
        note: str,
        made_at: dt.datetime,
        contact: Contact | None = None,
        answered_at: dt.datetime | None = None,
    ) -> Offer:
        offer = services.offer_make(actor=actor, case=case, kind=kind, note=note, contact=contact)
        if answered_at is not None:
            services.offer_answer(actor=actor, offer=offer, status=Offer.Status.ACCEPTED)
        backdate(offer, made_at=made_at, answered_at=answered_at)
        self.tally.created["offers"] += 1
        return offer

    def _on_agenda(self, meeting: Meeting, case: Case, actor: User) -> AgendaItem:
        item = meeting.items.filter(case=case).first()
        if item is None:
            item = services.meeting_add_case(actor=actor, meeting=meeting, case=case)
        return item

    def _held(
        self, meeting: Meeting, actor: User, attendees: list[User], minutes_at: dt.datetime
    ) -> None:
        """Attendees and minutes of a meeting that has been held, dated back to it."""
        services.meeting_set_attendees(actor=actor, meeting=meeting, attendees=attendees)
        services.minutes_distribute(
            actor=actor, meeting=meeting, units=self.seeder.member_units(meeting.forum)
        )
        backdate(meeting, held_at=meeting.starts_at)
        meeting.distributions.update(sent_at=minutes_at)
        self.tally.created["meetings"] += 1

    # --- Knock Knock Aalborg ---------------------------------------------------------------

    def knock_knock(self) -> None:
        """Nominations from the police daily report, knock visits, offers, the list meeting
        a week ago (decisions, actions, minutes) and the next one in a few days."""
        forum = self.seeder.forums["Knock Knock Aalborg"]
        ssp, police, job = (self.users[u] for u in ("ssp.aalborg", "politi.forebyg", "job.aalborg"))
        ssp_unit, police_unit = self.units["SSP Aalborg"], self.units["Forebyggelse Aalborg"]
        citizens = self._citizens(KK_STORY, police)
        if not citizens:
            return
        unscreened, engaged, outreach, nominated = citizens

        # Nominated five weeks ago, accepted, visited twice, the parents reached, offers made.
        guardians = self.seeder.guardians(ssp, engaged, KK_ENGAGED_GUARDIANS)
        report = self._concern(
            "kk_engaged", forum, police, police_unit, engaged, self._ago(40, 7, 30)
        )
        case_engaged = self._accept("kk_engaged", report, ssp, ssp_unit, "15-17", self._ago(38, 10))
        self._feedback("kk_engaged", report, police, self._ago(37, 9))
        talk = self._visits("kk_engaged", case_engaged, related=guardians[0])[-1]
        days, hour, minute, note = KK_PARENT_CONTACT
        self._contact(
            case_engaged,
            ssp,
            "parent_contact",
            "conversation_held",
            self._ago(days, hour, minute),
            note,
            related=guardians[0],
        )
        self._offer(
            case_engaged,
            ssp,
            Offer.Kind.CLUB,
            "Fritidsklub i Aalborg Øst, to aftener om ugen.",
            talk.occurred_at,
            contact=talk,
            answered_at=self._ago(27, 17),
        )
        self._offer(
            case_engaged,
            ssp,
            Offer.Kind.LEISURE_JOB,
            "Fritidsjob i et supermarked, 8 timer om ugen.",
            self._ago(9, 16),
        )
        services.case_set_stage(actor=ssp, case=case_engaged, stage="engaged")

        # 18-25: opened by SSP three weeks ago; the jobcenter's offer accepted.
        case_outreach = services.case_open(
            actor=ssp,
            citizen=outreach,
            forum=forum,
            lead_unit=ssp_unit,
            track="18-25",
            # Reviewed at the next list meeting (its agenda takes cases whose review is due).
            next_review_at=self.today + dt.timedelta(days=10),
        )
        self._enrolled(case_outreach, ssp_unit, ssp, self._ago(21, 9))
        talk = self._visits("kk_outreach", case_outreach)[-1]
        self._offer(
            case_outreach,
            job,
            Offer.Kind.JOBCENTER_MEETING,
            "Samtale i Jobcentret om job og uddannelse.",
            talk.occurred_at,
            contact=talk,
            answered_at=self._ago(15, 10),
        )
        services.case_set_stage(actor=ssp, case=case_outreach, stage="outreach")

        # The list meeting a week ago: a nomination accepted, an anonymised concern
        # discussed, two cases' decisions with actions due around now, the minutes sent.
        # Noted from the daily report before the young person was identified.
        report = self._concern("kk_nominated", forum, police, police_unit, None, self._ago(9, 16))
        services.concern_report_identify(actor=police, report=report, citizen=nominated)
        self._concern("kk_anonymous", forum, ssp, ssp_unit, None, self._ago(8, 12))
        starts = self._ago(7, 13)
        meeting = services.meeting_schedule(
            actor=ssp, forum=forum, organiser_unit=ssp_unit, starts_at=starts
        )
        case_nominated = self._accept(
            "kk_nominated", report, ssp, ssp_unit, "15-17", starts + dt.timedelta(minutes=20)
        )
        services.case_set_stage(actor=ssp, case=case_nominated, stage="nominated")
        for position, (key, case) in enumerate(
            (("kk_engaged", case_engaged), ("kk_outreach", case_outreach)), start=1
        ):
            picture, assessment, decision, title, owner, hours = KK_MEETING_DISCUSSIONS[key]
            item = self._on_agenda(meeting, case, ssp)
            services.agenda_item_record(
                actor=ssp, item=item, picture=picture, assessment=assessment, decision=decision
            )
            backdate(item, discussed_at=starts + dt.timedelta(minutes=20 + 15 * position))
            services.agenda_item_action(
                actor=ssp,
                item=item,
                title=title,
                responsible=self.users[owner],
                due_at=self.now + dt.timedelta(hours=hours),
            )
            self.tally.created["actions"] += 1
        attendees = [ssp, police, self.users["fam.aalborg"], job]
        self._held(meeting, ssp, attendees, self._ago(6, 9))

        # A new nomination whose screening deadline is hours away (a reminder at once), and
        # the next list meeting: the nomination and last week's cases on its agenda.
        urgency = CONCERNS["kk_unscreened"][1]
        received = self.now - workflows.SCREENING_DEADLINES[urgency] + dt.timedelta(hours=5)
        self._concern("kk_unscreened", forum, police, police_unit, unscreened, received)
        upcoming = services.meeting_schedule(
            actor=ssp,
            forum=forum,
            organiser_unit=ssp_unit,
            starts_at=self._at(self.today + dt.timedelta(days=3), 13),
        )
        for case in (case_engaged, case_outreach):
            self._on_agenda(upcoming, case, ssp)
        self.tally.created["meetings"] += 1

    # --- PSP Aalborg -----------------------------------------------------------------------

    def psp(self) -> None:
        """A citizen enrolled about six months ago: incidents before and after, referrals,
        the 3-month outcome recorded and the 6-month one due, a concern from psychiatry
        added to the case, a PSP meeting held."""
        forum = self.seeder.forums["PSP Aalborg"]
        police, psychiatry, social = (
            self.users[u] for u in ("politi.forebyg", "psyk.syd", "social.aalborg")
        )
        police_unit = self.units["Forebyggelse Aalborg"]
        citizens = self._citizens(PSP_STORY, police)
        if not citizens:
            return
        (citizen,) = citizens
        case = services.case_open(actor=police, citizen=citizen, forum=forum, lead_unit=police_unit)
        # Enrolled six months and five days ago, so the 6-month snapshot is due now. Moved
        # back before the incidents, which may lie up to 12 months before the opening.
        enrolled = workflows.add_months(self.today, -6) - dt.timedelta(days=5)
        self._enrolled(case, police_unit, police, self._at(enrolled, 10))

        def day(offset: int) -> dt.date:
            return enrolled + dt.timedelta(days=offset)

        for kind, offset, by, note in PSP_INCIDENTS:
            services.incident_record(
                actor=self.users[by], case=case, kind=kind, occurred_on=day(offset), note=note
            )
            self.tally.created["incidents"] += 1
        for offset, kind, result, by, partner, note in PSP_CONTACTS:
            self._contact(
                case,
                self.users[by],
                kind,
                result,
                self._at(day(offset), 10, 30),
                note,
                partner=self.users[partner] if partner else None,
            )
        # A referral to a service outside the case rests on the citizen's own consent.
        services.consent_register(
            actor=social,
            case=case,
            given_by="citizen",
            scope_units=list(access.audience_units(case)),
            scope_categories=["general", "social"],
            purpose="Henvisning til bostøtte og opfølgning i PSP",
            form="written",
            document_reference="Samtykkeerklæring (papir), journaliseret",
        )
        self.tally.created["consents"] += 1
        for by, unit, service, purpose, updater, status, sent, updated in PSP_REFERRALS:
            referral = services.referral_send(
                actor=self.users[by],
                case=case,
                purpose=purpose,
                to_unit=self.units[unit] if unit else None,
                to_service=service,
            )
            services.referral_update(
                actor=self.users[updater],
                referral=referral,
                status=status,
                feedback=PSP_REFERRAL_FEEDBACK[status],
            )
            backdate(
                referral,
                sent_at=self._at(day(sent), 9),
                updated_at=self._at(day(updated), 14),
            )
            self.tally.created["referrals"] += 1
        outcome = PSP_OUTCOME_3M
        snapshot = services.outcome_record(
            actor=social,
            case=case,
            milestone=outcome.milestone,
            education=outcome.education,
            job=outcome.job,
            housing=outcome.housing,
            leisure=outcome.leisure,
            new_police_contact=outcome.new_police_contact,
            note=outcome.note,
        )
        three_months = workflows.outcome_due_on(enrolled, outcome.milestone) + dt.timedelta(days=4)
        backdate(snapshot, recorded_at=self._at(three_months, 11))
        self.tally.created["outcome snapshots"] += 1
        services.case_set_stage(actor=police, case=case, stage="follow_up")

        # Psychiatry's concern, added to the case, the reporter told.
        report = self._concern(
            "psp_psychiatry", forum, police, police_unit, citizen, self._ago(12, 11)
        )
        services.concern_report_screen(
            actor=police,
            report=report,
            decision=ConcernReport.Decision.ADD_TO_EXISTING,
            note=SCREENING_NOTES["psp_psychiatry"],
            case=case,
        )
        self._screened(report, self._ago(11, 9))
        self._feedback("psp_psychiatry", report, police, self._ago(10, 14))

        # The PSP meeting four days ago.
        starts = self._ago(4, 10)
        meeting = services.meeting_schedule(
            actor=police, forum=forum, organiser_unit=police_unit, starts_at=starts
        )
        item = self._on_agenda(meeting, case, police)
        picture, assessment, decision = PSP_MEETING_DISCUSSION
        services.agenda_item_record(
            actor=police, item=item, picture=picture, assessment=assessment, decision=decision
        )
        backdate(item, discussed_at=starts + dt.timedelta(minutes=15))
        self._held(meeting, police, [police, psychiatry, social], self._ago(3, 9))

    # --- The life of a case (sharing-rules.md 6) ----------------------------------------

    def life(self) -> None:
        """Reviews, deletion dates and a legal hold on cases of the cohorts (not the stories'
        citizens): an SSP Aalborg case reviewed as still necessary and another whose review
        is overdue; a Knock Knock case closed three months ago (its deletion date shows); a
        PSP case closed as long ago and on hold. Told once: left out when a hold exists."""
        if LegalHold.objects.exists():
            self.tally.existing_stories += 1
            return
        ssp, police = self.users["ssp.aalborg"], self.users["politi.forebyg"]

        def first_open(forum: str, n: int = 1) -> list[Case]:
            return list(
                Case.objects.open().filter(forum=self.seeder.forums[forum]).order_by("pk")[:n]
            )

        reviewed, overdue = first_open("SSP Aalborg", 2)
        services.case_review(
            actor=ssp,
            case=reviewed,
            decision="continue",
            reason="Fortsat kontakt; familien deltager i møderne.",
            next_review_at=self.today + dt.timedelta(days=120),
        )
        # A review date of the demo's past, set as `backdate` sets timestamps.
        Case.objects.filter(pk=overdue.pk).update(next_review_at=self.today - dt.timedelta(days=5))
        closed_on = self.now - dt.timedelta(days=90)
        (kk,) = first_open("Knock Knock Aalborg")
        (psp,) = first_open("PSP Aalborg")
        for case, actor in ((kk, ssp), (psp, police)):
            services.case_close(
                actor=actor, case=case, reason="Målet for forløbet er nået.", code="other"
            )
            backdate(case, closed_at=closed_on, retention_from=closed_on)
        services.legal_hold_place(
            actor=police,
            case=psp,
            reason="Klage over afgørelsen verserer hos Ankestyrelsen.",
            until=self.today + dt.timedelta(days=400),
        )
        self.tally.created["reviews"] += 1
        self.tally.created["closed cases"] += 2
        self.tally.created["legal holds"] += 1
