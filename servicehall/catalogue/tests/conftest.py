"""A small published catalogue for the catalogue tests."""

import pytest

from servicehall.catalogue.actions import publish
from servicehall.catalogue.models import (
    Category,
    Material,
    MaterialNeed,
    PolicyBasis,
    ServiceItem,
    ServiceItemVersion,
)


def make_item(unit, actor, code, name, category, *, fee_fen=0, optional="", materials=(), **extra):
    item = ServiceItem.objects.create(code=code, unit=unit)
    fields = {
        "client_types": ["unemployed"],
        "channels": ["onsite", "online"],
        "eligibility": "在法定劳动年龄内，非因本人意愿中断就业。",
        "route_place": "一楼失业保险窗口",
        "route_steps": ["提出申请", "窗口受理", "审核", "发放"],
        "legal_limit_days": 15,
        "promised_limit_days": 10,
        "stages": ["accept", "first_review", "second_review", "complete"],
        "fee_basis": "" if not fee_fen else "按物价部门核定标准",
    } | extra
    version = ServiceItemVersion.objects.create(
        item=item, number=1, name=name, category=category, fee_fen=fee_fen,
        optional_parts=optional, **fields,
    )  # fmt: skip
    PolicyBasis.objects.create(version=version, document="《失业保险条例》", article="第十四条")
    # A material is a name (always required) or (name, when it is needed): conditional.
    for order, material in enumerate(materials or ("居民身份证", "解除劳动合同证明", "银行卡")):
        name, when = (material, "") if isinstance(material, str) else material
        Material.objects.create(
            version=version, order=order, name=name, form="original", when_needed=when,
            need=MaterialNeed.CONDITIONAL if when else MaterialNeed.ALWAYS,
        )  # fmt: skip
    return publish(actor, version)


@pytest.fixture
def catalogue(world):
    """Three published items owned by the office; the office's unit admin publishes."""
    unemp = Category.objects.create(code="UNEMP", name="失业保险", order=1)
    ssc = Category.objects.create(code="SSC", name="社会保障卡", order=2)
    office, admin = world.office, world.unit_admin
    return {
        "benefit": make_item(office, admin, "UNEMP-BENEFIT", "失业保险金申领", unemp),
        "subsidy": make_item(office, admin, "UNEMP-SUBSIDY", "失业补助金申领", unemp),
        "card": make_item(
            world.office, world.unit_admin, "SSC-REPLACE", "社会保障卡挂失与补换", ssc,
            fee_fen=2000, optional="可选择同时开通社会保障卡金融账户。",
            materials=("居民身份证", "近期免冠彩色照片"), client_types=["resident", "retiree"],
        ),
    }  # fmt: skip
