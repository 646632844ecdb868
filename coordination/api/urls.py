"""API v1 routes (the contract is docs/api.md). Written out rather than routed, so
that nested case resources read as the contract does and ids are integers."""

from django.urls import URLPattern, path
from rest_framework.viewsets import ViewSetMixin

from coordination.api import views

app_name = "api"


def route(pattern: str, viewset: type[ViewSetMixin], name: str, **actions: str) -> URLPattern:
    """`pattern` answered by `viewset`, its methods mapped to actions (get="list")."""
    return path(pattern, viewset.as_view(actions), name=name)


# A case's content: listed and added to at the same URL.
CONTENT = {"get": "list", "post": "create"}

urlpatterns = [
    route("me/", views.MeViewSet, "me", get="retrieve"),
    route("units/", views.UnitViewSet, "unit-list", get="list"),
    route("forums/", views.ForumViewSet, "forum-list", get="list"),
    route("citizens/", views.CitizenViewSet, "citizen-list", post="create"),
    route("citizens/lookup/", views.CitizenViewSet, "citizen-lookup", post="lookup"),
    route("cases/", views.CaseViewSet, "case-list", **CONTENT),
    route("cases/<int:pk>/", views.CaseViewSet, "case-detail", get="retrieve"),
    route(
        "cases/<int:case_pk>/participants/",
        views.ParticipantViewSet,
        "case-participant-list",
        **CONTENT,
    ),
    route(
        "cases/<int:case_pk>/participants/<int:pk>/",
        views.ParticipantViewSet,
        "case-participant-detail",
        delete="destroy",
    ),
    route("cases/<int:case_pk>/entries/", views.EntryViewSet, "case-entry-list", **CONTENT),
    route("cases/<int:case_pk>/contacts/", views.ContactViewSet, "case-contact-list", **CONTENT),
    route("cases/<int:case_pk>/actions/", views.CaseActionViewSet, "case-action-list", **CONTENT),
    route("cases/<int:case_pk>/consents/", views.ConsentViewSet, "case-consent-list", **CONTENT),
    route("actions/<int:pk>/complete/", views.ActionViewSet, "action-complete", post="complete"),
    route("consents/<int:pk>/withdraw/", views.ConsentViewSet, "consent-withdraw", post="withdraw"),
    route("notifications/", views.NotificationViewSet, "notification-list", get="list"),
    route("audit/events/", views.AuditEventViewSet, "audit-event-list", get="list"),
    route("audit/events/search/", views.AuditEventViewSet, "audit-event-search", post="search"),
]
