"""Finding service items by partial Chinese words.

Clients type fragments: 失业金 must find 失业保险金申领, 社保卡 must find 社会保障卡申领.
A name matches when every character of the query appears in it: an unbroken match
ranks first, then characters in order with gaps, then characters in any order. The
catalogue is small (hundreds of items), so the match runs in Python over the versions in
force, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import unicodedata

from django.db.models import F

from .models import ServiceItemVersion

# Words clients use for the official ones (社保卡 → 社会保障卡).
ALIASES = {"社保": "社会保险", "社保卡": "社会保障卡", "医保": "医疗保险", "退休金": "养老金"}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace())


def _score(query: str, text: str) -> int:
    """Higher is better; 0 means no match."""
    if not query:
        return 1
    if query in text:
        return 1000 - text.index(query)
    position = 0
    gaps = 0
    for ch in query:
        found = text.find(ch, position)
        if found < 0:
            # Every character, in another order (补卡 for 挂失与补换 of a 卡), ranks last.
            return 100 if all(c in text for c in query) else 0
        gaps += found - position
        position = found + 1
    return max(101, 500 - gaps)


def search(query: str, *, category: str = "", client_type: str = "") -> list[ServiceItemVersion]:
    """Versions in force matching ``query`` (name first, then materials and conditions)."""
    versions = ServiceItemVersion.objects.filter(item__current=F("pk")).select_related(
        "item", "category"
    )
    if category:
        versions = versions.filter(category__code=category)
    rows = list(versions)
    if client_type:
        rows = [row for row in rows if client_type in row.client_types]
    wanted = _normalise(query)
    variants = {wanted} | {
        wanted.replace(short, full) for short, full in ALIASES.items() if short in wanted
    }
    scored = []
    for row in rows:
        name = _normalise(row.name)
        score = max(_score(v, name) for v in variants)
        if not score and wanted:
            # Fall back to the category name and the conditions, ranked below any name match.
            extra = _normalise(row.category.name + row.eligibility)
            score = max(_score(v, extra) for v in variants) // 10
        if score:
            scored.append((-score, row.category.order, row.item.code, row))
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]
