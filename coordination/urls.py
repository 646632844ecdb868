from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("", views.home, name="home"),
    path("sager/", views.case_list, name="case_list"),
    path("sager/ny/", views.case_new, name="case_new"),
    path("sager/<int:pk>/", views.case_detail, name="case_detail"),
    path("sager/<int:pk>/kontakt/", views.contact_new, name="contact_new"),
    path("sager/<int:pk>/notat/", views.entry_new, name="entry_new"),
    path("sager/<int:pk>/notat/modtagere/", views.entry_audience, name="entry_audience"),
    path("sager/<int:pk>/deltagere/", views.participants, name="participants"),
    path(
        "sager/<int:pk>/deltagere/<int:participant_pk>/afslut/",
        views.participant_end,
        name="participant_end",
    ),
    path("sager/<int:pk>/samtykke/", views.consent_new, name="consent_new"),
    path(
        "sager/<int:pk>/samtykke/<int:consent_pk>/tilbagekald/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "sager/<int:pk>/samtykke/beslutning/",
        views.consent_decision_new,
        name="consent_decision_new",
    ),
    path("sager/<int:pk>/luk/", views.case_close, name="case_close"),
    path("noedadgang/", views.emergency_access, name="emergency_access"),
    path("noedadgang/gennemgang/", views.emergency_reviews, name="emergency_reviews"),
]
