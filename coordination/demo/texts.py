"""Texts for the demo's contacts, entries and actions (all fictitious)."""

from __future__ import annotations

from coordination.models.choices import Category, EffortType, LegalBasis

_E = EffortType
_L = LegalBasis
_C = Category

CONTACT_KINDS: dict[str, tuple[str, ...]] = {
    # effort type -> kinds of contact logged
    _E.PSP: ("phone", "home_visit", "meeting", "street", "letter"),
    _E.SSP: ("concern_talk", "parent_contact", "phone", "meeting", "street", "home_visit"),
    _E.SSP_PLUS: ("phone", "meeting", "street", "concern_talk"),
    _E.EXIT: ("meeting", "phone", "meeting"),
    _E.KNOCK_KNOCK: ("knock_visit",),
}

CONTACT_RESULTS: dict[str, tuple[str, ...]] = {
    "knock_visit": ("not_home", "conversation_held", "conversation_held", "refused",
                    "offer_accepted", "offer_declined"),
    "home_visit": ("not_home", "conversation_held", "offer_accepted", "refused"),
    "phone": ("no_answer", "reached", "conversation_held"),
    "letter": ("reached", "no_answer"),
    "street": ("conversation_held", "reached", "refused"),
    "concern_talk": ("conversation_held", "offer_accepted", "offer_declined"),
    "meeting": ("conversation_held", "offer_accepted", "offer_declined"),
    "parent_contact": ("reached", "conversation_held"),
}  # fmt: skip

CONTACT_NOTES: dict[str, tuple[str, ...]] = {
    "not_home": (
        "Ingen hjemme. Visitkort med telefonnummer lagt i postkassen.",
        "Ingen lukkede op; prøver igen en anden aften.",
    ),
    "no_answer": ("Ingen svar. Prøver igen i næste uge.", "Tog ikke telefonen; sms sendt."),
    "refused": (
        "Ønskede ikke at tale med os. Tilbuddet om en samtale står åbent.",
        "Afviste kontakt, men tog imod visitkortet.",
    ),
    "reached": ("Kort kontakt; aftalt at ringe igen.", "Fik fat i borgeren; ny tid aftalt."),
    "conversation_held": (
        "Samtale om hverdag, venner og fritid. Virkede åben.",
        "God samtale; fortalte selv om uro i omgangskredsen.",
        "Samtale på ca. 15 minutter; aftalt at følge op.",
    ),
    "offer_accepted": (
        "Takkede ja til et forløb; første møde er aftalt.",
        "Takkede ja til en mentor og en fritidsaktivitet.",
    ),
    "offer_declined": (
        "Takkede nej til tilbuddet indtil videre.",
        "Ikke interesseret lige nu; må gerne kontaktes igen om en måned.",
    ),
}

# Notes for kinds of contact where the note by result would read oddly.
CONTACT_NOTES_BY_KIND: dict[str, tuple[str, ...]] = {
    "letter": ("Brev sendt med tilbud om en samtale.", "Brev sendt med mødeindkaldelse."),
    "parent_contact": (
        "Talt med forælder om bekymringen; forælderen vil gerne samarbejde.",
        "Forælder orienteret om SSP-samarbejdet og næste skridt.",
    ),
}

# Entry texts by target group and category. "minor": under 18, "adult": 18 and over, "exit":
# cases in an exit forum (replacing the adult texts).
ENTRY_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "minor": {
        _C.POLICE: (
            "Set flere gange sammen med ældre unge med tilknytning til et kriminelt miljø.",
            "Var til stede ved uro ved busterminalen; ingen sigtelse.",
            "Forebyggende samtale holdt sammen med forælder.",
        ),
        _C.SCHOOL: (
            "Fraværet er steget til ca. 20 % i dette skoleår; kontaktlæreren har holdt "
            "møde med forældrene.",
            "Fungerer fagligt, men er ofte i konflikt med andre elever i frikvartererne.",
            "Tilbudt en mentor på skolen fra næste uge.",
        ),
        _C.SOCIAL: (
            "Familien har takket ja til familiebehandling; første samtale er aftalt.",
            "Der er iværksat en børnefaglig undersøgelse.",
            "Tilknyttet en kontaktperson to timer om ugen.",
        ),
        _C.GENERAL: (
            "Aftalt at SSP tager næste kontakt og melder tilbage på næste møde.",
            "Fælles plan: én fast voksen og ugentlig opfølgning.",
            "Er startet i en fritidsklub og kommer der to gange om ugen.",
        ),
        _C.EMPLOYMENT: (
            "Interesseret i et fritidsjob; vejledningsmøde aftalt.",
            "Har fået fritidsjob i et supermarked.",
        ),
        _C.IDENTITY: ("Familien er flyttet inden for kommunen; kontaktoplysninger opdateret.",),
    },
    "adult": {
        _C.POLICE: (
            "Nævnt i en bekymringsindberetning fra patruljen; ingen sigtelse.",
            "Ingen nye registreringer siden sidste møde.",
            "Har været til stede ved flere episoder med uro i midtbyen den seneste måned.",
        ),
        _C.SOCIAL: (
            "Har fået bevilget bostøtte to gange om ugen fra næste måned.",
            "Økonomien er presset; hjælp til budget og kontakt til gældsrådgivning er sat i gang.",
            "Der er ikke behov for yderligere foranstaltninger lige nu; følges på næste møde.",
        ),
        _C.HEALTH: (
            "Kortvarigt indlagt for tre uger siden; udskrevet til ambulant opfølgning.",
            "Udebliver ofte fra ambulante aftaler; psykiatrien forsøger opsøgende kontakt.",
            "Den medicinske behandling er justeret; tilstanden vurderes stabil.",
        ),
        _C.EMPLOYMENT: (
            "Tilmeldt som ledig; aftalt opstart i virksomhedspraktik.",
            "Interesseret i en erhvervsuddannelse; vejledningsmøde aftalt.",
            "Er startet på et afklaringsforløb i jobcentret.",
        ),
        _C.GENERAL: (
            "Drøftet på netværksmødet; indsatsen fortsætter uændret.",
            "Fælles plan: én fast kontaktperson og opfølgning hver anden uge.",
        ),
        _C.IDENTITY: ("Er flyttet til ny adresse i kommunen; kontaktoplysninger opdateret.",),
    },
    "exit": {
        _C.POLICE: (
            "Exitsamtale holdt; ønsker at bryde med gruppen og har afleveret sin vest.",
            "Vurdering: ingen aktuel trussel mod borgeren; situationen følges.",
        ),
        _C.SOCIAL: (
            "Midlertidig bolig i en anden bydel er bevilget.",
            "Gældsrådgivning aftalt; overblik over gæld udarbejdes.",
        ),
        _C.EMPLOYMENT: (
            "Aftalt praktik i en virksomhed uden for Aalborg.",
            "Starter på AMU-kursus næste måned.",
        ),
        _C.GENERAL: (
            "Handleplanen er gennemgået: bolig, job og gæld.",
            "Mentor fra KiF deltog i mødet; næste opfølgning om fire uger.",
        ),
        _C.IDENTITY: ("Nyt telefonnummer registreret; det gamle er opsagt.",),
    },
}

JUSTIFICATIONS: dict[str, tuple[str, ...]] = {
    _L.RPL115_SSP: (
        "Nødvendigt for at vurdere risikoen for kriminalitet og aftale, hvem der tager "
        "kontakt (rpl. § 115, stk. 1, nr. 1).",
        "Nødvendigt for at koordinere den forebyggende indsats mellem SSP-parterne.",
    ),
    _L.RPL115_PSP: (
        "Nødvendigt for at koordinere støtten og forebygge ny kriminalitet "
        "(rpl. § 115, stk. 1, nr. 2).",
        "Nødvendigt for at PSP-parterne kan handle samlet over for borgeren.",
    ),
    _L.RPL115_KSP_A: (
        "Nødvendigt for at planlægge løsladelsen og forebygge ny kriminalitet "
        "(rpl. § 115, stk. 1, nr. 3, litra a).",
    ),
    _L.CONSENT: (
        "Deles med borgerens skriftlige samtykke til exitforløbet og inden for samtykkets omfang.",
        "Omfattet af borgerens samtykke; nødvendigt for at gennemføre handleplanen.",
    ),
}


def entry_texts(effort_type: str, minor: bool) -> dict[str, tuple[str, ...]]:
    if effort_type == _E.EXIT:
        return ENTRY_TEXTS["exit"]
    return ENTRY_TEXTS["minor" if minor else "adult"]


# Follow-up actions on demo cases: what, and when (hours from now: overdue, due, due soon,
# later), so that reminders of every action kind fire under `make run`.
ACTION_TITLES: tuple[str, ...] = (
    "Følg op på tilbud om fritidsjob",
    "Ring til forældrene efter banke-på-besøget",
    "Book møde med Jobcentret om uddannelse",
    "Send referat til deltagerne",
    "Aftal nyt besøg sammen med forebyggelsesbetjenten",
    "Undersøg klubtilbud i nærområdet",
    "Tjek om samtykket skal fornyes",
)
ACTION_DUE_OFFSETS_HOURS: tuple[int, ...] = (-24 * 8, -24 * 4, -30, -2, 6, 20, 24 * 5, 24 * 14)
