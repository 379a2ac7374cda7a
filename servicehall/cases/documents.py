"""The acceptance receipt (受理回执) of a case, as a PDF with Chinese glyphs.

Printing a receipt writes NO ledger entry: the receipt is a rendering of what the case's
``cases.accepted`` entry (or, for a case accepted once its corrections came in, the
``cases.resumed`` entry that accepted it) already recorded. Reprinting it changes nothing
but, at most, signs the unit's first checkpoint covering that entry (a ``Checkpoint`` row,
which ``proofs.receipt`` signs on demand; a checkpoint is not a ledger entry).

The second QR code carries the entry's inclusion proof as the compact JSON of
``proofs.receipt(entry, against="covering")``: exactly what ``servicehall ledger
check-receipt`` reads, so a scanned code saved to a file (or piped to ``-``) is checked
offline with the unit's published verifier key. "covering" keeps the code small and
fixed for the receipt's life: the leaf hash, the seq, the tree size, ~log2(size) proof
nodes of 44 characters and the signed checkpoint (origin, size, root, one signature),
about 600 bytes for a tree of a thousand entries and about 1.3 kB for a million, well
within a version-40 QR code at error level M (2,331 bytes). The later consistency proof
to today's checkpoint is asked of the ledger when someone wants it (``ledger receipt``).
Should a receipt ever not fit, the code carries ``FALLBACK_PATH`` (the entry's unit and
seq) instead, from which the full JSON can be fetched or printed with ``ledger receipt``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.urls import NoReverseMatch, reverse

from servicehall.ledger import proofs
from servicehall.ledger.models import LedgerEntry

from .models import Case

ACCEPTANCE_EVENTS = ("cases.accepted", "cases.resumed")
LOOKUP_PATH = "/cases/lookup/"
FALLBACK_PATH = "/ledger/receipt/{unit}/{seq}.json"
PROOF_ERROR = "m"


class NotAccepted(LookupError):
    """The case has no acceptance entry (never accepted, or refused at acceptance)."""


def acceptance_entry(case: Case) -> LedgerEntry:
    """The ledger entry that recorded the case's acceptance."""
    rows = LedgerEntry.objects.filter(
        unit_id=case.unit_id,
        subject_type="cases.case",
        subject_id=str(case.pk),
        event_type__in=ACCEPTANCE_EVENTS,
    ).order_by("seq")
    for entry in rows:
        if entry.event_type == "cases.accepted" or json.loads(entry.payload).get("accepted"):
            return entry
    raise NotAccepted(case.number)


def lookup_url(request, case: Case) -> str:
    try:
        path = reverse("cases:lookup")
    except NoReverseMatch:
        path = LOOKUP_PATH
    path = f"{path}?{urlencode({'number': case.number})}"
    return request.build_absolute_uri(path) if request is not None else path


def compact_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def proof_payload(entry: LedgerEntry) -> tuple[str, bool]:
    """The second code's text and whether it is the whole receipt JSON (else the URL)."""
    text = compact_json(proofs.receipt(entry, against="covering"))
    try:
        segno.make(text, error=PROOF_ERROR, encoding="utf-8", boost_error=False)
    except segno.DataOverflowError:
        return FALLBACK_PATH.format(unit=entry.unit.code, seq=entry.seq), False
    return text, True


def qr_svg(text: str, *, error: str = "m", scale: int = 3) -> str:
    return segno.make(text, error=error, encoding="utf-8", boost_error=False).svg_inline(
        scale=scale, omitsize=True
    )


@dataclass
class Receipt:
    case: Case
    entry: LedgerEntry
    materials: list
    not_applicable: list
    lookup_url: str
    lookup_svg: str
    proof_text: str
    proof_is_json: bool
    proof_svg: str

    def context(self) -> dict:
        return {"r": self, "c": self.case, "v": self.case.version}


def build_receipt(case: Case, request=None) -> Receipt:
    """Everything the receipt shows, read from the case and its acceptance entry."""
    case = (
        Case.objects.select_related("unit", "version__item", "accepted_by", "handler")
        .filter(pk=case.pk)
        .get()
    )
    entry = acceptance_entry(case)
    url = lookup_url(request, case)
    proof_text, is_json = proof_payload(entry)
    return Receipt(
        case=case,
        entry=entry,
        materials=list(case.materials.order_by("order", "pk")),
        not_applicable=list(case.materials_not_applicable.order_by("order", "pk")),
        lookup_url=url,
        lookup_svg=qr_svg(url, scale=3),
        proof_text=proof_text,
        proof_is_json=is_json,
        proof_svg=qr_svg(proof_text, error=PROOF_ERROR, scale=2),
    )
