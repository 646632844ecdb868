from rest_framework.routers import SimpleRouter

from coordination.api.views import AuditEventViewSet

app_name = "api"

router = SimpleRouter()
router.register("audit/events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
