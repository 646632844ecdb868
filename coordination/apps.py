from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Case coordination")

    def ready(self) -> None:
        from coordination import audit

        audit.connect_auth_signals()
