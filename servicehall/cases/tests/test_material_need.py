"""Only a conditional material (如适用) may be marked as not applying to the client at
acceptance; a required one is received or missing, so a correction request lists every
missing required material at once, and only materials the item names (N-5.6c, D-09,
invariant 7)."""

from __future__ import annotations

from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from .. import actions
from .factories import accept, in_correction, person

EXAMPLES = settings(max_examples=25, deadline=None, database=None)


def test_a_conditional_material_may_be_marked_not_applicable(desk):
    id_card, separation, bank_card = desk.materials()
    assert bank_card.is_conditional and not separation.is_conditional
    case = accept(desk, received=[id_card, separation], not_applicable=[bank_card])
    assert list(case.materials_not_applicable.all()) == [bank_card]


def test_a_required_material_marked_not_applicable_is_refused_and_named(desk, refused):
    id_card, separation, bank_card = desk.materials()
    with refused(match="Always required, so never “not applicable”: 解除劳动合同证明"):
        accept(desk, received=[id_card, bank_card], not_applicable=[separation])
    with refused(match="Always required, so never “not applicable”: 居民身份证、解除劳动合同证明"):
        in_correction(desk, received=[], not_applicable=[id_card, separation, bank_card])


def test_a_required_material_cannot_be_spared_when_refusing_either(desk):
    """A refusal records only what was received; nothing is marked as not applying."""
    case = actions.refuse_acceptance(
        desk.clerk, rule="《失业保险条例》第十四条", explanation="参保不满一年",
        version=desk.benefit, applicant=person(), channel="online",
        received=desk.materials()[:1],
    )  # fmt: skip
    assert not case.materials_not_applicable.exists()


def test_a_conditional_material_not_marked_is_asked_for(desk):
    id_card, separation, bank_card = desk.materials()
    case = in_correction(desk, received=[id_card, separation])
    assert list(case.notices.get().missing.all()) == [bank_card]


def test_what_a_correction_asks_for_is_everything_missing_and_nothing_else(desk):
    """Property (invariant 7): for any materials received and any marked as not applying,
    the request is refused if a required one is marked, nothing is asked for when all are
    in (accept instead), and otherwise the one notice lists exactly the guide's materials
    neither received nor spared: every required one missing, at once."""
    materials = desk.materials()
    subsets = st.sets(st.sampled_from(range(len(materials))))

    @EXAMPLES
    @given(subsets, subsets)
    def check(got, spared):
        spared -= got
        received = [materials[i] for i in sorted(got)]
        not_applicable = [materials[i] for i in sorted(spared)]
        missing = [m for i, m in enumerate(materials) if i not in got | spared]
        with transaction.atomic():
            try:
                case = in_correction(desk, received=received, not_applicable=not_applicable)
            except actions.CaseError as error:
                message = str(error)
                if any(not m.is_conditional for m in not_applicable):
                    assert "Always required" in message
                else:
                    assert not missing and "Nothing is missing" in message
            else:
                assert all(m.is_conditional for m in not_applicable)
                assert list(case.notices.get().missing.order_by("order")) == missing
                required_missing = [m for m in materials if not m.is_conditional]
                assert {m.pk for m in required_missing} - {m.pk for m in received} <= {
                    m.pk for m in missing
                }
            transaction.set_rollback(True)

    check()
