"""API v1 routes (the contract is ../shared/docs/API.md). Written out rather than routed, so
that nested case resources read as the contract does and ids are integers."""

from django.urls import path

from coordination.api import views

app_name = "api"


urlpatterns = [
    path("me/", views.MeViewSet.as_view({"get": "retrieve"}), name="me"),
    path("units/", views.UnitViewSet.as_view({"get": "list"}), name="unit-list"),
    path("forums/", views.ForumViewSet.as_view({"get": "list"}), name="forum-list"),
    path("citizens/", views.CitizenViewSet.as_view({"post": "create"}), name="citizen-list"),
    path(
        "citizens/lookup/", views.CitizenViewSet.as_view({"post": "lookup"}), name="citizen-lookup"
    ),
    path("cases/", views.CaseViewSet.as_view({"get": "list", "post": "create"}), name="case-list"),
    path("cases/<int:pk>/", views.CaseViewSet.as_view({"get": "retrieve"}), name="case-detail"),
    path(
        "cases/<int:case_pk>/participants/",
        views.ParticipantViewSet.as_view({"get": "list", "post": "create"}),
        name="case-participant-list",
    ),
    path(
        "cases/<int:case_pk>/participants/<int:pk>/",
        views.ParticipantViewSet.as_view({"delete": "destroy"}),
        name="case-participant-detail",
    ),
    path(
        "cases/<int:case_pk>/entries/",
        views.EntryViewSet.as_view({"get": "list", "post": "create"}),
        name="case-entry-list",
    ),
    path(
        "cases/<int:case_pk>/contacts/",
        views.ContactViewSet.as_view({"get": "list", "post": "create"}),
        name="case-contact-list",
    ),
    path(
        "cases/<int:case_pk>/actions/",
        views.CaseActionViewSet.as_view({"get": "list", "post": "create"}),
        name="case-action-list",
    ),
    path(
        "cases/<int:case_pk>/consents/",
        views.ConsentViewSet.as_view({"get": "list", "post": "create"}),
        name="case-consent-list",
    ),
    path(
        "actions/<int:pk>/complete/",
        views.ActionViewSet.as_view({"post": "complete"}),
        name="action-complete",
    ),
    path(
        "consents/<int:pk>/withdraw/",
        views.ConsentViewSet.as_view({"post": "withdraw"}),
        name="consent-withdraw",
    ),
    path(
        "notifications/",
        views.NotificationViewSet.as_view({"get": "list"}),
        name="notification-list",
    ),
    path(
        "audit/events/", views.AuditEventViewSet.as_view({"get": "list"}), name="audit-event-list"
    ),
    path(
        "audit/events/search/",
        views.AuditEventViewSet.as_view({"post": "search"}),
        name="audit-event-search",
    ),
]
