from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "servicehall.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the cases' ledger events)
