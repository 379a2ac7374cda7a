"""Choices of the cases (办件): the stage a case waits in, applicants, escalations and the
deadline cards of the electronic supervision (电子监察 红黄牌)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicehall.org.choices import CaseStage


class Stage(models.TextChoices):
    """What a case is waiting for. The clock runs in the three open stages only; an
    application submitted online waits for a clerk's acceptance, with its own deadline
    (``Case.accept_due_at``, N-5.4), and its time limit starts only at acceptance."""

    SUBMITTED = "submitted", _("Submitted online, waiting for acceptance")
    CORRECTION = "correction", _("Waiting for corrected materials (补正)")
    FIRST_REVIEW = "first_review", _("Waiting for first review")
    SECOND_REVIEW = "second_review", _("Waiting for second review")
    COMPLETION = "completion", _("Waiting for completion")
    COMPLETED_APPROVED = "approved", _("Completed: approved")
    COMPLETED_REFUSED = "refused", _("Completed: refused")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


#: The clock runs: each has a deadline column and can be overdue.
RUNNING_STAGES = (Stage.FIRST_REVIEW, Stage.SECOND_REVIEW, Stage.COMPLETION)
#: Still to be done (the clock runs, or stands while the client corrects materials).
ACTIVE_STAGES = (Stage.SUBMITTED, Stage.CORRECTION, *RUNNING_STAGES)
FINAL_STAGES = (Stage.COMPLETED_APPROVED, Stage.COMPLETED_REFUSED, Stage.NOT_ACCEPTED)

#: The post authority (org.Post.covers) needed to act on a case waiting in each stage.
#: Taking an online application or corrected materials is acceptance work.
AUTHORITY = {
    Stage.SUBMITTED: CaseStage.ACCEPT,
    Stage.CORRECTION: CaseStage.ACCEPT,
    Stage.FIRST_REVIEW: CaseStage.FIRST_REVIEW,
    Stage.SECOND_REVIEW: CaseStage.SECOND_REVIEW,
    Stage.COMPLETION: CaseStage.COMPLETE,
}

STAGE_COLOURS = {
    Stage.SUBMITTED: "amber",
    Stage.CORRECTION: "amber",
    Stage.FIRST_REVIEW: "blue",
    Stage.SECOND_REVIEW: "blue",
    Stage.COMPLETION: "blue",
    Stage.COMPLETED_APPROVED: "green",
    Stage.COMPLETED_REFUSED: "grey",
    Stage.NOT_ACCEPTED: "grey",
}


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    EMPLOYER = "employer", _("Employer")


class EscalationStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the head on duty")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class CardLevel(models.TextChoices):
    """The electronic supervision's cards: yellow before a limit runs out, red after."""

    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


CARD_COLOURS = {CardLevel.YELLOW: "amber", CardLevel.RED: "red"}


class CardScope(models.TextChoices):
    """Which limit a card is about: the whole case's, or a review stage's share of it.

    The completion stage's limit is the case's own, so its cards are the case's.
    """

    CASE = "case", _("The case's time limit")
    # An online application that no clerk took within its day (不积压, N-5.4).
    ACCEPTANCE = "acceptance", _("Acceptance of an online application")
    FIRST_REVIEW = "first_review", _("First review's share of the limit")
    SECOND_REVIEW = "second_review", _("Second review's share of the limit")
