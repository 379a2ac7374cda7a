from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "servicehall.queueing"
    label = "queueing"
    verbose_name = _("Service hall")

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers the hall's ledger events)
