"""Choices of the service catalogue, shared by the apps that serve clients."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientType(models.TextChoices):
    """N-1.1: the kinds of client a window unit serves."""

    EMPLOYER = "employer", _("Employer")
    RESIDENT = "resident", _("Resident")
    EMPLOYED = "employed", _("Employed person")
    UNEMPLOYED = "unemployed", _("Unemployed person")
    RETIREE = "retiree", _("Retiree")


class ServiceChannel(models.TextChoices):
    """N-1.2: where and how a service is given."""

    ONSITE = "onsite", _("On site")
    VOICE = "voice", _("Telephone")
    VIDEO = "video", _("Video")
    ONLINE = "online", _("Online")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")


class Eligibility(models.TextChoices):
    """The first of the four points (N-5.2): does the request meet the policy?"""

    ELIGIBLE = "eligible", _("Meets the conditions")
    NOT_ELIGIBLE = "not_eligible", _("Does not meet the conditions")
    TO_VERIFY = "to_verify", _("To be verified when the materials are checked")
