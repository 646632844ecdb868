from django.urls import path

from coordination.views import actions, auditing, cases

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
    path("revision/", auditing.audit_log, name="audit_log"),
    path("revision/eksport/", auditing.audit_export, name="audit_export"),
    path("revision/anomalier/", auditing.audit_anomalies, name="audit_anomalies"),
    path("revision/stikproever/", auditing.audit_samples, name="audit_samples"),
    path("revision/stikproever/<int:pk>/", auditing.audit_sample, name="audit_sample"),
    path("revision/indsigt/", auditing.audit_insight, name="audit_insight"),
]
