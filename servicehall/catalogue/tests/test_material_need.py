"""Materials always required or conditional (如适用, N-5.2, N-5.6c): a conditional material
states its condition in ``when_needed``; the guides mark it; new drafts keep the flag; the
demo catalogue marks the materials needed only in some cases."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from servicehall.catalogue.actions import new_draft
from servicehall.catalogue.demo import load_demo_catalogue
from servicehall.catalogue.models import Category, Material, MaterialNeed, ServiceItem

from .conftest import make_item


def _if_applicable() -> str:
    with translation.override("zh-hans"):
        return translation.gettext("If applicable")


@pytest.fixture
def agency_item(world):
    """An item whose last material only an agent's client brings."""
    category = Category.objects.create(code="SSC", name="社会保障卡", order=1)
    return make_item(
        world.office, world.unit_admin, "SSC-APPLY", "社会保障卡申领", category,
        materials=("居民身份证", ("代办人居民身份证", "委托他人代办时")),
    )  # fmt: skip


def test_a_material_is_required_unless_marked_conditional(agency_item):
    own, agent = agency_item.materials.order_by("order")
    assert (own.need, own.is_conditional) == (MaterialNeed.ALWAYS, False)
    assert (agent.need, agent.is_conditional) == (MaterialNeed.CONDITIONAL, True)
    assert agent.when_needed == "委托他人代办时"


def test_a_conditional_material_states_its_condition(agency_item, world):
    draft = new_draft(world.unit_admin, agency_item.item)
    material = Material(version=draft, name="授权委托书", form="original", need="conditional")
    with pytest.raises(ValidationError) as error:
        material.full_clean()
    assert "when_needed" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        material.save()
    material.when_needed = "委托他人代办时"
    material.full_clean()
    material.save()


def test_a_new_draft_keeps_the_flag(agency_item, world):
    draft = new_draft(world.unit_admin, agency_item.item)
    assert list(draft.materials.order_by("order").values_list("name", "need")) == [
        ("居民身份证", MaterialNeed.ALWAYS),
        ("代办人居民身份证", MaterialNeed.CONDITIONAL),
    ]


def test_the_guide_marks_conditional_materials(client, agency_item):
    page = client.get(reverse("catalogue:guide", args=["SSC-APPLY"])).content.decode()
    marker = f'<span class="tag" data-testid="conditional">{_if_applicable()}</span> 委托他人代办时'
    assert page.count('data-testid="conditional"') == 1
    assert marker in page


def test_the_demo_catalogue_marks_materials_needed_only_in_some_cases(world):
    load_demo_catalogue(unit=world.office, actor=world.unit_admin)
    apply = ServiceItem.objects.get(code="SSC-APPLY").current
    needs = dict(apply.materials.values_list("name", "need"))
    assert needs["代办人居民身份证"] == MaterialNeed.CONDITIONAL
    assert needs["社会保障卡申领登记表"] == MaterialNeed.ALWAYS
    conditional = Material.objects.filter(need=MaterialNeed.CONDITIONAL)
    assert conditional.exists()
    assert not conditional.filter(when_needed="").exists()
    # "At acceptance" is when every client brings it, not a condition.
    assert not conditional.filter(when_needed="受理时").exists()
