from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "servicehall.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the roster's ledger events)
