from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginOutcome(models.TextChoices):
    SUCCESS = "success", _("Logged in")
    FAILURE = "failure", _("Wrong user name or password")
    LOCKED_OUT = "locked", _("Locked out")
    LOGOUT = "logout", _("Logged out")
    SECOND_FACTOR_OK = "otp_ok", _("Second factor passed")
    SECOND_FACTOR_FAILED = "otp_failed", _("Second factor failed")
