"""The unit tree: subtrees by materialised path, and moving a unit moves its subtree."""

from servicehall.org.choices import UnitKind
from servicehall.org.models import Unit


def test_subtree_of_a_city_holds_its_offices_only(world):
    assert set(world.city.subtree()) == {world.city, world.office}
    assert set(world.province.subtree()) == set(Unit.objects.all())


def test_moving_a_city_moves_its_offices(world):
    new_province = Unit.objects.create(
        code="P2", name="另一省", kind=UnitKind.PROVINCIAL_DEPARTMENT
    )
    world.city.parent = new_province
    world.city.save()
    world.office.refresh_from_db()
    assert world.office.path == f"/{new_province.pk}/{world.city.pk}/{world.office.pk}/"
    assert world.office in new_province.subtree()
    assert world.office not in world.province.subtree()
