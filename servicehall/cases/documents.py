"""The documents of a case, as PDFs with Chinese glyphs: the acceptance receipt (受理回执),
the one-time notice of a correction (一次性告知单, N-5.6c), the refusal notice (不予受理
告知书, N-2.1, N-5.3, D-06) and the completion notice (办结通知书).

Each is numbered, and its number is recorded in the ledger entry of the action that
issued it: the receipt's is the case number (``cases.accepted``, or the ``cases.resumed``
entry that accepted a case once its corrections came in), the one-time notice's the
``notice`` of the ``cases.correction_requested`` or ``cases.sent_back`` entry, the
refusal's and the completion's the case's ``decision_number``, drawn by
``refuse_acceptance`` and ``complete`` and recorded in their entry's state.

Printing a document writes NO ledger entry: it renders what that entry already recorded.
Reprinting changes nothing but, at most, signs the unit's first checkpoint covering the
entry (a ``Checkpoint`` row, which ``proofs.receipt`` signs on demand; a checkpoint is
not a ledger entry).

Every document carries a QR code with that entry's inclusion proof as the compact JSON of
``proofs.receipt(entry, against="covering")``: exactly what ``servicehall ledger
check-receipt`` reads, so a scanned code saved to a file (or piped to ``-``) is checked
offline with the unit's published verifier key. "covering" keeps the code small and
fixed for the document's life: the leaf hash, the seq, the tree size, ~log2(size) proof
nodes of 44 characters and the signed checkpoint (origin, size, root, one signature),
about 600 bytes for a tree of a thousand entries and about 1.3 kB for a million, well
within a version-40 QR code at error level M (2,331 bytes). The later consistency proof
to today's checkpoint is asked of the ledger when someone wants it (``ledger receipt``).
Should a proof ever not fit, the code carries ``FALLBACK_PATH`` (the entry's unit and
seq) instead, from which the full JSON can be fetched or printed with ``ledger receipt``.
The receipt, the one-time notice and the completion notice also carry a code with the
address of the progress lookup; the completion notice a third, with the case's evaluation
link (一事一评, N-2.5), so the client rates the case online once it is done.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import segno
from django.urls import NoReverseMatch, reverse

from servicehall.catalogue.models import OneTimeNotice
from servicehall.ledger import proofs
from servicehall.ledger.models import LedgerEntry

from .choices import Stage
from .models import COMPLETED_STAGES, Case, DocumentKind

ACCEPTANCE_EVENTS = ("cases.accepted", "cases.resumed")
NOTICE_EVENTS = ("cases.correction_requested", "cases.sent_back")
LOOKUP_PATH = "/cases/lookup/"
FALLBACK_PATH = "/ledger/receipt/{unit}/{seq}.json"
PROOF_ERROR = "m"
ONE_TIME = "one_time"


class NoDocument(LookupError):
    """The case has no such document (not yet, or not of its kind), or no entry records it."""


class NotAccepted(NoDocument):
    """The case has no acceptance entry (never accepted, or refused at acceptance)."""


def _entry_of(case: Case, events: tuple[str, ...], recorded: Callable[[str, dict], bool]):
    """The first entry about ``case`` of one of ``events`` of which ``recorded(event type,
    payload)`` holds."""
    rows = LedgerEntry.objects.filter(
        unit_id=case.unit_id,
        subject_type="cases.case",
        subject_id=str(case.pk),
        event_type__in=events,
    ).order_by("seq")
    for entry in rows:
        if recorded(entry.event_type, json.loads(entry.payload)):
            return entry
    return None


def acceptance_entry(case: Case) -> LedgerEntry:
    """The ledger entry that recorded the case's acceptance."""
    entry = _entry_of(
        case,
        ACCEPTANCE_EVENTS,
        lambda event, payload: event == "cases.accepted" or bool(payload.get("accepted")),
    )
    if entry is None:
        raise NotAccepted(case.number)
    return entry


def decision_entry(case: Case) -> LedgerEntry:
    """The entry of the refusal at acceptance or of the completion that drew the case's
    ``decision_number`` (the number of its refusal or completion notice)."""
    number = case.decision_number
    event = "cases.acceptance_refused" if case.stage == Stage.NOT_ACCEPTED else "cases.completed"
    entry = _entry_of(
        case,
        (event,),
        lambda _event, payload: bool(number) and payload["state"].get("decision_number") == number,
    )
    if entry is None:
        raise NoDocument(case.number)
    return entry


def notice_entry(case: Case, notice: OneTimeNotice) -> LedgerEntry:
    """The entry of the correction request or the sending back that issued ``notice``."""
    entry = _entry_of(
        case, NOTICE_EVENTS, lambda _event, payload: payload.get("notice") == notice.number
    )
    if entry is None:
        raise NoDocument(notice.number)
    return entry


def lookup_url(request, case: Case) -> str:
    try:
        path = reverse("cases:lookup")
    except NoReverseMatch:
        path = LOOKUP_PATH
    path = f"{path}?{urlencode({'number': case.number})}"
    return request.build_absolute_uri(path) if request is not None else path


def rating_url(request, case: Case) -> str:
    """The address of the case's evaluation page (一事一评, N-2.5), absolute when printed
    from a request, like the lookup address. The link is valid for the unit's days from
    the completion, when the notice is handed over (``feedback.views_client.link_for_case``
    counts from the acceptance, for the receipt, and would often have expired by now)."""
    # feedback builds on cases (it rates them), so it is imported here, not at the top.
    from servicehall.feedback import links
    from servicehall.feedback.choices import SubjectKind
    from servicehall.feedback.models import FeedbackSettings

    days = FeedbackSettings.for_unit(case.unit_id).link_valid_days
    token = links.make_token(SubjectKind.CASE, case.pk, links.expiry(case.completed_at, days))
    path = reverse("feedback:rate", args=[token])
    return request.build_absolute_uri(path) if request is not None else path


def compact_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def proof_payload(entry: LedgerEntry) -> tuple[str, bool]:
    """The proof code's text and whether it is the whole receipt JSON (else the URL)."""
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
class Document:
    """What a case document shows: its kind and number, the case, the entry that
    recorded it with that entry's inclusion proof code, the lookup code where the
    document has one, and the evaluation code on the completion notice. ``materials``
    are those received (the receipt, the refusal: to hand back), ``missing`` those the
    one-time notice asks for."""

    kind: str
    number: str
    case: Case
    entry: LedgerEntry
    proof_text: str
    proof_is_json: bool
    proof_svg: str
    lookup_url: str = ""
    lookup_svg: str = ""
    rating_url: str = ""
    rating_svg: str = ""
    materials: list = field(default_factory=list)
    not_applicable: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    notice: OneTimeNotice | None = None

    def context(self) -> dict:
        return {"r": self, "c": self.case, "v": self.case.version}


def _document(kind: str, number: str, case: Case, entry: LedgerEntry, request, *, lookup: bool,
              **parts) -> Document:  # fmt: skip
    """The document with the proof code of ``entry`` and, if ``lookup``, the lookup code."""
    proof_text, is_json = proof_payload(entry)
    url = lookup_url(request, case) if lookup else ""
    return Document(
        kind=kind, number=number, case=case, entry=entry, proof_text=proof_text,
        proof_is_json=is_json, proof_svg=qr_svg(proof_text, error=PROOF_ERROR, scale=2),
        lookup_url=url, lookup_svg=qr_svg(url, scale=3) if url else "", **parts,
    )  # fmt: skip


def _load(case: Case) -> Case:
    return (
        Case.objects.select_related(
            "unit", "version__item", "applicant", "accepted_by", "completed_by", "handler"
        )
        .filter(pk=case.pk)
        .get()
    )


def _received(case: Case) -> dict:
    return {
        "materials": list(case.materials.order_by("order", "pk")),
        "not_applicable": list(case.materials_not_applicable.order_by("order", "pk")),
    }


def build_receipt(case: Case, request=None) -> Document:
    """The acceptance receipt: read from the case and its acceptance entry."""
    case = _load(case)
    entry = acceptance_entry(case)
    return _document(
        DocumentKind.RECEIPT, case.number, case, entry, request, lookup=True, **_received(case)
    )


def build_refusal(case: Case, request=None) -> Document:
    """The refusal notice (不予受理告知书) of a case not accepted: the rule and the
    explanation (N-2.1, N-5.3), proved by the ``cases.acceptance_refused`` entry."""
    case = _load(case)
    if case.stage != Stage.NOT_ACCEPTED:
        raise NoDocument(case.number)
    entry = decision_entry(case)
    return _document(
        DocumentKind.REFUSAL, case.decision_number, case, entry, request, lookup=False,
        **_received(case),
    )  # fmt: skip


def build_completion(case: Case, request=None) -> Document:
    """The completion notice (办结通知书): approved, or refused with the rule and the
    reason (N-2.1), proved by the ``cases.completed`` entry, with the code of the case's
    evaluation link (一事一评, N-2.5)."""
    case = _load(case)
    if case.stage not in COMPLETED_STAGES:
        raise NoDocument(case.number)
    entry = decision_entry(case)
    url = rating_url(request, case)
    return _document(
        DocumentKind.COMPLETION, case.decision_number, case, entry, request, lookup=True,
        rating_url=url, rating_svg=qr_svg(url, scale=3),
    )  # fmt: skip


def build_notice(case: Case, notice_number: str, request=None) -> Document:
    """The one-time notice (一次性告知单, N-5.6c) a case's correction request or sending
    back issued, with the case's number and the proof of the entry that issued it."""
    case = _load(case)
    notice = case.notices.select_related("clerk", "unit").filter(number=notice_number).first()
    if notice is None:
        raise NoDocument(notice_number)
    entry = notice_entry(case, notice)
    return _document(
        ONE_TIME, notice.number, case, entry, request, lookup=True, notice=notice,
        missing=list(notice.missing.order_by("order", "pk")),
    )  # fmt: skip
