from django.urls import path

from coordination.views import actions, auditing, cases, casework, intake, meetings, people

app_name = "coordination"

urlpatterns = [
    path("", cases.home, name="home"),
    path("sager/", cases.case_list, name="case_list"),
    path("sager/ny/", cases.case_new, name="case_new"),
    path("sager/<int:pk>/", cases.case_detail, name="case_detail"),
    path("sager/<int:pk>/kontakt/", cases.contact_new, name="contact_new"),
    path("sager/<int:pk>/notat/", cases.entry_new, name="entry_new"),
    path("sager/<int:pk>/notat/modtagere/", cases.entry_audience, name="entry_audience"),
    path("sager/<int:pk>/deltagere/", cases.participants, name="participants"),
    path(
        "sager/<int:pk>/deltagere/<int:participant_pk>/afslut/",
        cases.participant_end,
        name="participant_end",
    ),
    path("sager/<int:pk>/samtykke/", cases.consent_new, name="consent_new"),
    path(
        "sager/<int:pk>/samtykke/<int:consent_pk>/tilbagekald/",
        cases.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "sager/<int:pk>/samtykke/beslutning/",
        cases.consent_decision_new,
        name="consent_decision_new",
    ),
    path("sager/<int:pk>/luk/", cases.case_close, name="case_close"),
    path("sager/<int:pk>/opgaver/ny/", actions.action_new, name="action_new"),
    path("opgaver/", actions.my_actions, name="my_actions"),
    path("opgaver/<int:pk>/fuldfoer/", actions.action_complete, name="action_complete"),
    path("opgaver/<int:pk>/overdrag/", actions.action_reassign, name="action_reassign"),
    path("notifikationer/", actions.notifications, name="notifications"),
    path("notifikationer/laest/", actions.notifications_read, name="notifications_read"),
    path("notifikationer/antal/", actions.notification_count, name="notification_count"),
    path("indstillinger/", actions.preferences, name="preferences"),
    path("noedadgang/", cases.emergency_access, name="emergency_access"),
    path("noedadgang/gennemgang/", cases.emergency_reviews, name="emergency_reviews"),
    # Intake: concern reports (bekymringshenvendelser)
    path("bekymringer/", intake.intake_list, name="intake_list"),
    path("bekymringer/ny/", intake.intake_new, name="intake_new"),
    path("bekymringer/<int:pk>/", intake.intake_detail, name="intake_detail"),
    path("bekymringer/<int:pk>/identificer/", intake.intake_identify, name="intake_identify"),
    path("bekymringer/<int:pk>/screening/", intake.intake_screen, name="intake_screen"),
    path("bekymringer/<int:pk>/tilbagemelding/", intake.intake_feedback, name="intake_feedback"),
    # Case conferences (sagsmøder)
    path("moeder/", meetings.meeting_list, name="meeting_list"),
    path("moeder/nyt/", meetings.meeting_new, name="meeting_new"),
    path("moeder/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("moeder/<int:pk>/deltagere/", meetings.meeting_attendees, name="meeting_attendees"),
    path("moeder/<int:pk>/dagsorden/", meetings.meeting_add_case, name="meeting_add_case"),
    path("moeder/<int:pk>/referat/", meetings.meeting_minutes, name="meeting_minutes"),
    path("moeder/punkter/<int:pk>/", meetings.agenda_item, name="agenda_item"),
    path("moeder/punkter/<int:pk>/opgave/", meetings.agenda_item_action, name="agenda_item_action"),
    # Case work: outreach offers, referrals, incidents, outcomes, stages
    path("sager/<int:pk>/tilbud/", casework.offer_new, name="offer_new"),
    path("tilbud/<int:pk>/svar/", casework.offer_answer, name="offer_answer"),
    path("sager/<int:pk>/henvisninger/", casework.referral_new, name="referral_new"),
    path("henvisninger/<int:pk>/", casework.referral_update, name="referral_update"),
    path("sager/<int:pk>/haendelser/", casework.incident_new, name="incident_new"),
    path("sager/<int:pk>/opfoelgning/", casework.outcome_new, name="outcome_new"),
    path("sager/<int:pk>/fase/", casework.case_stage, name="case_stage"),
    path("sager/<int:pk>/paaroerende/", people.related_person_new, name="related_person_new"),
    path("revision/", auditing.audit_log, name="audit_log"),
    path("revision/eksport/", auditing.audit_export, name="audit_export"),
    path("revision/anomalier/", auditing.audit_anomalies, name="audit_anomalies"),
    path("revision/stikproever/", auditing.audit_samples, name="audit_samples"),
    path("revision/stikproever/<int:pk>/", auditing.audit_sample, name="audit_sample"),
    path("revision/indsigt/", auditing.audit_insight, name="audit_insight"),
]
