"""Which service items can be applied for online, and at which offices (N-1.2).

An item is offered online when its version in force lists the online channel; an
application goes to a service office below (or at) the unit that publishes the item's
guide, so a province's items are applied for at any of its offices, and an office's own
items at that office only.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from servicehall.catalogue.choices import ServiceChannel
from servicehall.catalogue.models import ServiceItemVersion
from servicehall.org.choices import UnitKind
from servicehall.org.models import Unit


def offered_online(version: ServiceItemVersion) -> bool:
    """Whether ``version`` is its item's version in force and lists the online channel."""
    return version.item.current_id == version.pk and ServiceChannel.ONLINE in version.channels


def online_versions() -> list[ServiceItemVersion]:
    """The versions in force that can be applied for online, by category and code.

    The channels are a JSON list, which SQLite cannot search inside, so they are checked
    here: the catalogue has tens of items, not thousands.
    """
    versions = (
        ServiceItemVersion.objects.filter(item__current=F("pk"))
        .select_related("item", "category")
        .order_by("category__order", "item__code")
    )
    return [version for version in versions if ServiceChannel.ONLINE in version.channels]


def offices_for(version: ServiceItemVersion) -> QuerySet[Unit]:
    """The service offices where ``version``'s item is applied for."""
    return Unit.objects.filter(
        kind=UnitKind.OFFICE, path__startswith=version.item.unit.path
    ).order_by("path")
