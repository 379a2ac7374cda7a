"""The demo evaluations (a pad per office, ratings of calls at every step) and the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicehall.devices.models import Device
from servicehall.feedback.demo import DEMO_RATINGS, load_demo_feedback
from servicehall.feedback.models import FeedbackSettings, Rating, Rectification
from servicehall.testing import log_in

pytestmark = pytest.mark.usefixtures("clock")


def test_the_demo_makes_a_pad_and_ratings_once(world):
    tokens = load_demo_feedback([world.office], actor=world.system_admin)
    assert list(tokens) == ["O1"] and tokens["O1"].startswith("shd_")
    assert Device.objects.get(kind="rating_pad").window.number == 1
    assert Rating.objects.count() == len(DEMO_RATINGS)
    statuses = sorted(Rectification.objects.values_list("status", flat=True))
    assert statuses == ["appealed", "closed", "open"]
    assert load_demo_feedback([world.office], actor=world.system_admin) == {}
    assert Rating.objects.count() == len(DEMO_RATINGS)


def test_the_unit_administrator_edits_the_units_settings(world, client):
    FeedbackSettings.objects.create(unit=world.office)
    log_in(client, world.unit_admin)
    assert client.get(reverse("admin:feedback_feedbacksettings_changelist")).status_code == 200
    assert client.get(reverse("admin:feedback_rating_changelist")).status_code == 200
    log_in(client, world.system_admin)
    assert client.get(reverse("admin:feedback_rectification_changelist")).status_code == 200
