"""The length of what is written (N-6.1): a step's text — the reason not accepted or
referred, the findings, the measures, the reply, a violation's description, an
accountability decision's reasons — is at most 2,000 characters, what came in at most
4,000 (as the public form); longer is refused by the form and by the action, with a
translated message, and nothing changes (no row, no ledger entry)."""

from __future__ import annotations

import pytest

from servicehall.ledger.models import LedgerEntry
from servicehall.supervision.violations import Violation
from servicehall.testing import log_in

from .. import actions
from ..actions import CONTENT_MAX_LENGTH, TEXT_MAX_LENGTH
from ..choices import Finding, ReplyMethod, Step
from ..forms import (
    AccountabilityForm,
    EntryForm,
    HandleForm,
    InvestigateForm,
    OnlineForm,
    ReferForm,
    RefuseForm,
    ReplyForm,
    ViolationForm,
)
from ..models import Complaint
from . import factories as f

pytestmark = pytest.mark.django_db

LONG = "长" * (TEXT_MAX_LENGTH + 1)
LONGEST = "长" * TEXT_MAX_LENGTH


def test_the_limits_are_those_of_the_public_form():
    assert TEXT_MAX_LENGTH == 2000 and CONTENT_MAX_LENGTH == 4000
    assert OnlineForm.base_fields["content"].max_length == CONTENT_MAX_LENGTH
    assert EntryForm.base_fields["content"].max_length == CONTENT_MAX_LENGTH


@pytest.mark.parametrize(
    ("form_class", "field", "data", "needs_complaint"),
    [
        (RefuseForm, "reason", {}, False),
        (ReferForm, "reason", {"to_name": "市医疗保障局"}, True),
        (InvestigateForm, "findings", {"finding": Finding.UNSUBSTANTIATED}, True),
        (HandleForm, "measures", {}, False),
        (ReplyForm, "text", {"method": ReplyMethod.PHONE}, False),
        (ViolationForm, "description", {}, False),
        (AccountabilityForm, "reason", {"measure": "criticism"}, False),
    ],
)
def test_a_step_form_refuses_a_text_over_2000_characters(
    world, clock, english, form_class, field, data, needs_complaint
):
    complaint, _code = f.online(world)
    kwargs = {"complaint": complaint} if needs_complaint else {}
    too_long = form_class({**data, field: LONG}, **kwargs)
    assert not too_long.is_valid()
    assert list(too_long.errors) == [field]
    assert "at most 2000 characters (it has 2001)" in str(too_long.errors[field])
    assert form_class({**data, field: LONGEST}, **kwargs).is_valid()
    # The browser is told too.
    assert f'maxlength="{TEXT_MAX_LENGTH}"' in str(too_long[field])


def _refuse(world):
    complaint, _code = f.online(world)
    return complaint, lambda text: actions.refuse(world.head, complaint, reason=text)


def _refer(world):
    complaint, _code = f.online(world)
    return complaint, lambda text: actions.refer(
        world.head, complaint, reason=text, to_name="市医疗保障局"
    )


def _investigate(world):
    complaint = f.accepted(world)
    return complaint, lambda text: actions.investigate(
        world.head, complaint, finding=Finding.UNSUBSTANTIATED, findings=text
    )


def _handle(world):
    complaint = actions.investigate(
        world.head, f.accepted(world), finding=Finding.UNSUBSTANTIATED, findings="不属实。"
    )
    return complaint, lambda text: actions.handle(world.head, complaint, measures=text)


def _reply(world):
    complaint = actions.handle(
        world.head,
        actions.investigate(
            world.head, f.accepted(world), finding=Finding.UNSUBSTANTIATED, findings="不属实。"
        ),
        measures="说明情况。",
    )
    return complaint, lambda text: actions.reply(
        world.head, complaint, text=text, method=ReplyMethod.PHONE
    )


@pytest.mark.parametrize(
    ("prepare", "field", "done"),
    [
        (_refuse, "reason", Step.NOT_ACCEPTED),
        (_refer, "reason", Step.REFERRED),
        (_investigate, "findings", Step.HANDLING),
        (_handle, "measures", Step.REPLYING),
        (_reply, "text", Step.REPLIED),
    ],
    ids=["refuse", "refer", "investigate", "handle", "reply"],
)
def test_an_action_refuses_a_text_over_2000_characters_and_changes_nothing(
    world, clock, english, prepare, field, done
):
    complaint, perform = prepare(world)
    entries = LedgerEntry.objects.count()
    before = f.fresh(complaint)

    with pytest.raises(actions.ComplaintError) as raised:
        perform(LONG)

    assert raised.value.message_dict == {
        field: ["At most 2000 characters (this has 2001)."]
    }  # fmt: skip
    row = f.fresh(complaint)
    assert (row.step, row.last_actor_id, row.closed_reason, row.findings, row.measures,
            row.reply) == (before.step, before.last_actor_id, before.closed_reason,
                           before.findings, before.measures, before.reply)  # fmt: skip
    assert LedgerEntry.objects.count() == entries
    # Exactly 2000 characters pass (surrounding spaces do not count).
    assert perform(f"  {LONGEST}\n").step == done


def test_what_came_in_is_at_most_4000_characters_also_in_the_action(world, clock, english):
    entries = LedgerEntry.objects.count()
    with pytest.raises(actions.ComplaintError) as raised:
        f.online(world, content="长" * (CONTENT_MAX_LENGTH + 1))
    assert raised.value.message_dict == {"content": ["At most 4000 characters (this has 4001)."]}
    assert not Complaint.objects.exists() and LedgerEntry.objects.count() == entries
    complaint, _code = f.online(world, content="长" * CONTENT_MAX_LENGTH)
    assert len(complaint.content) == CONTENT_MAX_LENGTH


def test_the_page_says_a_text_is_too_long_and_changes_nothing(en_client, world, clock):
    complaint, _code = f.online(world)
    entries = LedgerEntry.objects.count()
    log_in(en_client, world.head)

    response = en_client.post(
        f"/complaints/staff/{complaint.number}/refuse/", {"refuse-reason": LONG}
    )

    assert response.status_code == 400
    assert "at most 2000 characters (it has 2001)" in response.content.decode()
    assert f.fresh(complaint).step == Step.RECEIVED
    assert LedgerEntry.objects.count() == entries


def test_the_violation_form_on_the_page_refuses_a_long_description(en_client, world, clock):
    complaint = f.investigated(world)
    entries = LedgerEntry.objects.count()
    log_in(en_client, world.head)

    response = en_client.post(
        f"/complaints/staff/{complaint.number}/violation/", {"violation-description": LONG}
    )

    assert response.status_code == 400
    assert "at most 2000 characters (it has 2001)" in response.content.decode()
    assert not Violation.objects.exists() and LedgerEntry.objects.count() == entries
