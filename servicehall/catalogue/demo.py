"""Load the demo catalogue (data/demo_items.yaml) through the catalogue's actions.

An item already published with the same content is left alone, so loading twice
changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from .actions import publish
from .models import (
    Category,
    Material,
    MaterialNeed,
    PolicyBasis,
    ServiceItem,
    ServiceItemVersion,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_items.yaml"


def load_demo_catalogue(*, unit, actor, path: Path = DATA_FILE) -> int:
    """Create and publish every demo item not yet in the catalogue; return how many."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories = {}
    for row in data["categories"]:
        categories[row["code"]], _created = Category.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "order": row["order"]}
        )
    created = 0
    for entry in data["items"]:
        if ServiceItem.objects.filter(code=entry["code"], current__isnull=False).exists():
            continue
        with transaction.atomic():
            item, _created = ServiceItem.objects.get_or_create(code=entry["code"], unit=unit)
            ServiceItemVersion.objects.filter(item=item, status="draft").delete()
            version = ServiceItemVersion.objects.create(
                item=item,
                number=1 + item.versions.count(),
                name=entry["name"],
                category=categories[entry["category"]],
                client_types=entry["client_types"],
                channels=entry["channels"],
                eligibility=entry["eligibility"].strip(),
                route_place=entry["route"]["place"],
                route_steps=entry["route"]["steps"],
                legal_limit_days=entry["legal_limit_days"],
                promised_limit_days=entry["promised_limit_days"],
                immediate=entry["immediate"],
                stages=entry["stages"],
                fee_fen=entry["fee"]["amount_fen"],
                fee_basis=entry["fee"].get("basis", ""),
                optional_parts=(entry.get("optional_parts") or "").strip(),
            )
            for order, policy in enumerate(entry["policy_basis"]):
                PolicyBasis.objects.create(
                    version=version, order=order, document=policy["document"],
                    article=policy.get("article", ""), summary=policy.get("summary", ""),
                )  # fmt: skip
            for order, material in enumerate(entry["materials"]):
                Material.objects.create(
                    version=version, order=order, name=material["name"], form=material["form"],
                    copies=material.get("copies", 1), when_needed=material.get("when", ""),
                    need=material.get("need", MaterialNeed.ALWAYS),
                    notes=material.get("notes", ""), has_sample=bool(material.get("sample")),
                )  # fmt: skip
            publish(actor, version)
            created += 1
    return created
