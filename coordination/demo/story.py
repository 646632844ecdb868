"""The workflow story (issue 8): intake, meetings, outreach and PSP in Aalborg.

A few named citizens around whom the seed tells the workflows end to end: Knock Knock
nominations from the police daily report (one still unscreened, its deadline hours away),
knock visits, offers and a list meeting with decisions and minutes; a PSP case enrolled
about six months ago with incidents before and after, referrals, outcome snapshots (the
6-month one due now) and a concern from psychiatry. Their CPR sequence part uses the top
of the demo range (STORY_FIRST_INDEX on), so they never meet the cohorts' numbers.
`seed_demo` recognises a story by its citizens, as it does the cohorts' citizens.
"""

from __future__ import annotations

from dataclasses import dataclass

from coordination.demo.citizens import CitizenSpec, GuardianSpec

STORY_FIRST_INDEX = 90


def _story(offset: int, first: str, last: str, month: int, day: int, age: int) -> CitizenSpec:
    """A story citizen; as in the cohorts, `age` is reached on the birthday this year."""
    index = STORY_FIRST_INDEX + offset
    return CitizenSpec(
        index=index,
        first_name=first,
        last_name=last,
        birth_month=month,
        birth_day=day,
        target_age=age,
        male=index % 2 == 1,
        protected_address=False,
        guardians=(),
        cases=(),
    )


# Knock Knock: ages 15-17 (target 16-17) and 18-25 (target 22), as the tracks need all year.
KK_UNSCREENED = _story(0, "Sofie", "Holm", 3, 14, 17)  # nominated, not screened yet
KK_ENGAGED = _story(1, "Mikkel", "Bach", 9, 21, 16)  # accepted: visits, offers
KK_OUTREACH = _story(3, "Jonas", "Lund", 6, 2, 22)  # 18-25: the jobcenter takes part
KK_NOMINATED = _story(5, "Mads", "Krog", 11, 8, 17)  # accepted at last week's meeting
PSP_FOLLOW_UP = _story(6, "Bettina", "Skov", 5, 19, 42)  # PSP: enrolled about 6 months ago

KK_STORY: tuple[CitizenSpec, ...] = (KK_UNSCREENED, KK_ENGAGED, KK_OUTREACH, KK_NOMINATED)
PSP_STORY: tuple[CitizenSpec, ...] = (PSP_FOLLOW_UP,)
STORY_CITIZENS: tuple[CitizenSpec, ...] = KK_STORY + PSP_STORY

KK_ENGAGED_GUARDIANS: tuple[GuardianSpec, ...] = (
    GuardianSpec("Helle Bach", "mother", True),
    GuardianSpec("Kim Bach", "father", True),
)

POLICE_DAILY_REPORT = "Døgnrapporten, Nordjyllands Politi"

# Intake, by story key: (channel, urgency, reporter, summary).
CONCERNS: dict[str, tuple[str, str, str, str]] = {
    "kk_unscreened": (
        "police_daily_report",
        "amber",
        POLICE_DAILY_REPORT,
        "Anholdt sammen med to ældre unge ved et indbrud i en kiosk i Vejgaard; løsladt "
        "samme nat. Tredje registrering på to måneder. Indstilles til Knock Knock-listen.",
    ),
    "kk_engaged": (
        "police_daily_report",
        "amber",
        POLICE_DAILY_REPORT,
        "Set flere aftener sammen med ældre unge med tilknytning til en bande i Aalborg Øst; "
        "var til stede ved en knivepisode, ingen sigtelse. Indstilles til Knock Knock-listen.",
    ),
    "kk_nominated": (
        "police_daily_report",
        "amber",
        POLICE_DAILY_REPORT,
        "Standset i en bil med ældre unge; der blev fundet en kniv i bilen. Bor hos sin mor i "
        "Aalborg Øst. Indstilles til Knock Knock-listen.",
    ),
    "kk_anonymous": (
        "school",
        "green",
        "Kontaktlærer, Skoler Aalborg",
        "En elev i 9. klasse har på kort tid skiftet omgangskreds, har et højt fravær og har "
        "fortalt om penge for at 'holde på ting' for ældre unge. Drøftes anonymt inden "
        "eleven og forældrene inddrages.",
    ),
    "psp_psychiatry": (
        "psychiatry",
        "amber",
        "Almenpsykiatrisk Afdeling Syd, opsøgende team",
        "Udskrevet efter kort indlæggelse; har ikke mødt op til den aftalte ambulante samtale "
        "og har ifølge naboerne råbt i opgangen om natten. Ønsker PSP-parternes vurdering.",
    ),
}

SCREENING_NOTES: dict[str, str] = {
    "kk_engaged": "Optages på listen (spor 15-17). SSP tager første banke-på-besøg med "
    "forebyggelsesbetjenten.",
    "kk_nominated": "Optaget på listemødet (spor 15-17); banke-på-besøg aftales.",
    "psp_psychiatry": "Lægges på den eksisterende PSP-sag; drøftes på næste PSP-møde.",
}
FEEDBACK_NOTES: dict[str, str] = {
    "kk_engaged": "Døgnrapporten er orienteret: den unge er optaget på Knock Knock-listen.",
    "psp_psychiatry": "Afdelingen er orienteret: henvendelsen er lagt på den eksisterende "
    "PSP-sag og drøftes på næste møde.",
}

# Knock knock visits, police and SSP together: (days ago, hour, minute, result, note).
KK_VISITS: dict[str, tuple[tuple[int, int, int, str, str], ...]] = {
    "kk_engaged": (
        (34, 18, 30, "not_home", "Ingen hjemme. Visitkort lagt i postkassen."),
        (31, 19, 0, "conversation_held",
         "Samtale i døren med den unge og moren om omgangskredsen og fritiden. Den unge vil "
         "gerne høre mere om klubben."),
    ),
    "kk_outreach": (
        (19, 17, 45, "not_home", "Ingen hjemme; naboen siger, han arbejder om eftermiddagen."),
        (16, 18, 15, "conversation_held",
         "Samtale om job og uddannelse; vil gerne have hjælp fra Jobcentret."),
    ),
}  # fmt: skip
KK_PARENT_CONTACT = (
    30,
    15,
    0,
    "Telefonsamtale med moren om bekymringen og banke-på-besøget; hun vil gerne samarbejde.",
)

# Knock Knock list meeting a week ago: the discussions and the actions their decisions made.
# (picture, assessment, decision, action title, action owner, hours from now to the deadline)
KK_MEETING_DISCUSSIONS: dict[str, tuple[str, str, str, str, str, int]] = {
    "kk_engaged": (
        "Har takket ja til klubben og kommer der to aftener om ugen. Ses stadig med de "
        "ældre unge i weekenderne.",
        "Positiv udvikling; risikoen er fortsat til stede i weekenderne.",
        "Nyt banke-på-besøg en fredag aften; SSP følger op på fritidsjob.",
        "Aftal banke-på-besøg fredag aften sammen med SSP",
        "politi.forebyg",
        -3,
    ),
    "kk_outreach": (
        "Har sagt ja til en samtale i Jobcentret. Ingen nye registreringer.",
        "Motiveret for job; brug for en fast kontakt.",
        "SSP følger med til første møde i Jobcentret og melder tilbage.",
        "Følg med til første møde i Jobcentret",
        "ssp.aalborg",
        20,
    ),
}

PSP_INCIDENTS: tuple[tuple[str, int, str, str], ...] = (
    # kind, days from enrolment (negative: before), recorded by, note
    ("forced_admission_police", -150, "psyk.syd", "Tvangsindlagt med politiets bistand."),
    ("use_of_force", -95, "politi.forebyg", "Håndjern ved uro i opgangen; ingen skader."),
    ("forced_admission", -40, "psyk.syd", "Tvangsindlagt uden politiets bistand."),
    ("new_charge", 120, "politi.forebyg", "Sigtet for trusler mod en nabo."),
)
PSP_CONTACTS: tuple[tuple[int, str, str, str, str, str], ...] = (
    # days from enrolment, kind, result, by, with, note
    (10, "home_visit", "conversation_held", "social.aalborg", "politi.forebyg",
     "Fælles hjemmebesøg; talt om hverdagen, økonomien og behovet for støtte i hjemmet."),
    (60, "phone", "reached", "psyk.syd", "",
     "Kort telefonsamtale; ny tid til ambulant samtale aftalt."),
)  # fmt: skip
PSP_REFERRALS: tuple[tuple[str, str, str, str, str, str, int, int], ...] = (
    # by, to unit, to service, purpose, updated by, new status + feedback, days sent/updated
    ("social.aalborg", "", "Bostøtte", "Bostøtte to gange om ugen", "social.aalborg",
     "started", 20, 45),
    ("social.aalborg", "Almenpsykiatrisk Afdeling Syd", "",
     "Vurdering af behovet for ambulant behandling", "psyk.syd", "accepted", 25, 30),
)  # fmt: skip
PSP_REFERRAL_FEEDBACK: dict[str, str] = {
    "started": "Bostøtten er startet; de første besøg er gået godt.",
    "accepted": "Modtaget; første ambulante samtale er aftalt.",
}


@dataclass(frozen=True)
class OutcomeSpec:
    milestone: int
    education: str
    job: str
    housing: str
    leisure: bool
    new_police_contact: bool
    note: str


PSP_OUTCOME_3M = OutcomeSpec(
    3, "none", "none", "stable", False, False,
    "Bor stabilt med bostøtte; ingen nye hændelser siden indskrivningen.",
)  # fmt: skip
PSP_MEETING_DISCUSSION = (
    "Stabil i egen bolig med bostøtte; mødte ikke op til den seneste ambulante samtale.",
    "Risiko for ny indlæggelse, hvis kontakten til psykiatrien glipper.",
    "Psykiatrien tager opsøgende kontakt; socialforvaltningen følger op på bostøtten.",
)
