"""Choices of the devices app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    """What a device is; its kind decides which API endpoints it may use."""

    KIOSK = "kiosk", _("Kiosk")
    DISPLAY = "display", _("Hall display")
    RATING_PAD = "rating_pad", _("Rating pad")
    PHONE_SYSTEM = "phone_system", _("Telephone system")
    COUNTER_TERMINAL = "counter_terminal", _("Counter terminal")


# Kinds that may be placed at a window; a counter terminal must be.
KINDS_AT_A_WINDOW = frozenset(
    {DeviceKind.COUNTER_TERMINAL, DeviceKind.RATING_PAD, DeviceKind.DISPLAY}
)
