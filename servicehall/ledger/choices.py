from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Who or what made a change: a staff member, or the client through a channel (N-1.2)."""

    STAFF = "staff", _("Staff member")
    KIOSK = "kiosk", _("Kiosk")
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Telephone")
    VIDEO = "video", _("Video")
    PAD = "pad", _("Rating pad")
    SYSTEM = "system", _("System")


class AccessPurpose(models.TextChoices):
    """Why a full ID or phone number was shown instead of the masked form (D-10)."""

    HANDLING = "handling", _("Handling the client's request")
    IDENTITY_CHECK = "identity", _("Checking the client's identity")
    CALLBACK = "callback", _("Calling the client back")
    INSPECTION = "inspection", _("Inspection or complaint handling")
    EXPORT = "export", _("Approved bulk export")


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the security administrator")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
