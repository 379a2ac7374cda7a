from django.db import models
from django.utils.translation import gettext_lazy as _


class ClauseKind(models.TextChoices):
    NORM = "norm", _("Service norm (attachment 1)")
    PROHIBITION = "prohibition", _("Prohibition (attachment 2)")
    WINDOW_PHRASE = "window_phrase", _("Counter phrase (attachment 3)")
    TELEPHONE_PHRASE = "telephone_phrase", _("Telephone phrase (attachment 3)")


class Mode(models.TextChoices):
    """How the system carries a clause (norms.yaml)."""

    ENFORCE = "enforce", _("Enforced")
    DETECT = "detect", _("Detected")
    RECORD = "record", _("Recorded")
    PUBLISH = "publish", _("Published")
    CHECKLIST = "checklist", _("On checklists")
    PROMPT = "prompt", _("Prompted")
    MEASURE = "measure", _("Measured")


class RefinementKind(models.TextChoices):
    REFINEMENT = "refinement", _("Refinement of a clause")
    OWN_CLAUSE = "own_clause", _("Unit's own clause")
    PHRASE = "phrase", _("Unit's own phrase")
    FORBIDDEN_WORDING = "forbidden", _("Forbidden wording")
