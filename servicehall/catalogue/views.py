"""Public service guides (四告知, N-5.2, N-4.3) and the counter's consultations and notices."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from servicehall.org.access import visible_units
from servicehall.org.choices import UNIT_STAFF_ROLES

from . import actions
from .choices import ClientType
from .forms import ConsultationForm, GuideSearchForm, OneTimeNoticeForm
from .models import Category, Consultation, Material, OneTimeNotice, ServiceItemVersion
from .pdf import render_pdf
from .search import search


def _current_version(code: str) -> ServiceItemVersion:
    version = (
        ServiceItemVersion.objects.filter(item__code=code, item__current=F("pk"))
        .select_related("item", "category")
        .prefetch_related("materials", "policies")
        .first()
    )
    if version is None:
        raise Http404
    return version


def _qr_svg(request, code: str) -> str:
    import segno

    url = request.build_absolute_uri(reverse("catalogue:guide", args=[code]))
    return segno.make(url, error="m").svg_inline(scale=3, title=url, omitsize=True)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def guide_list(request):
    form = GuideSearchForm(request.GET or None)
    query = category = client_type = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        category = form.cleaned_data["category"]
        client_type = form.cleaned_data["client_type"]
    results = search(query, category=category, client_type=client_type)
    return render(
        request,
        "catalogue/guide_list.html",
        {
            "form": form,
            "results": results,
            "query": query,
            "categories": Category.objects.all(),
            "category": category,
            "client_type": client_type,
            "client_types": ClientType.choices,
        },
    )


def guide(request, code: str):
    version = _current_version(code)
    return render(request, "catalogue/guide.html", {"v": version, "qr_svg": _qr_svg(request, code)})


@login_required
def guide_preview(request, version_id: int):
    """The public guide of any version, drafts included, for the administrators."""
    if request.user.role not in ("system_admin", "unit_admin"):
        raise PermissionDenied
    version = get_object_or_404(
        ServiceItemVersion.objects.select_related("item", "category"), pk=version_id
    )
    if request.user.role == "unit_admin" and version.item.unit_id != request.user.unit_id:
        raise Http404
    return render(
        request,
        "catalogue/guide.html",
        {"v": version, "qr_svg": _qr_svg(request, version.item.code), "preview": True},
    )


def guide_print(request, code: str):
    version = _current_version(code)
    return render(
        request, "catalogue/guide_print.html", {"v": version, "qr_svg": _qr_svg(request, code)}
    )


def guide_pdf(request, code: str):
    version = _current_version(code)
    pdf = render_pdf(
        "catalogue/pdf/guide.html", {"v": version, "qr_svg": _qr_svg(request, code)}, request
    )
    return _pdf_response(pdf, f"{code}-v{version.number}.pdf")


def sample_form(request, code: str, material_id: int):
    """A sample or blank form: the uploaded file, or a blank form made from the guide."""
    version = _current_version(code)
    material = get_object_or_404(Material, pk=material_id, version=version, has_sample=True)
    if material.sample:
        return FileResponse(material.sample.open("rb"), as_attachment=True)
    pdf = render_pdf("catalogue/pdf/blank_form.html", {"v": version, "m": material}, request)
    return _pdf_response(pdf, f"{code}-form-{material.pk}.pdf")


# --- Counter ------------------------------------------------------------------------------


def _require_counter_staff(user) -> None:
    if user.role not in UNIT_STAFF_ROLES or not user.unit_id:
        raise PermissionDenied


def _consultation_for(user, number: str) -> Consultation:
    row = (
        Consultation.objects.filter(number=number, unit__in=visible_units(user))
        .select_related("unit", "clerk", "version__item", "version__category")
        .first()
    )
    if row is None:
        raise Http404
    return row


def _notice_for(user, number: str) -> OneTimeNotice:
    row = (
        OneTimeNotice.objects.filter(number=number, unit__in=visible_units(user))
        .select_related("unit", "clerk", "version__item")
        .first()
    )
    if row is None:
        raise Http404
    return row


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request):
    _require_counter_staff(request.user)
    form = ConsultationForm(request.POST or None, initial={"channel": "onsite"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = actions.record_consultation(
                request.user,
                version=data["version"],
                channel=data["channel"],
                client_type=data["client_type"],
                eligibility=data["eligibility"],
                explanation=data["explanation"],
                client_name=data["client_name"],
                question=data["question"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("catalogue:consultation", number=row.number)
    return render(request, "catalogue/consultation_form.html", {"form": form})


@login_required
def consultation(request, number: str):
    row = _consultation_for(request.user, number)
    return render(request, "catalogue/consultation.html", {"c": row, "v": row.version})


@login_required
def consultation_pdf(request, number: str):
    row = _consultation_for(request.user, number)
    pdf = render_pdf("catalogue/pdf/four_point.html", {"c": row, "v": row.version}, request)
    return _pdf_response(pdf, f"{row.number}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request, version_id: int):
    _require_counter_staff(request.user)
    version = get_object_or_404(ServiceItemVersion.objects.select_related("item"), pk=version_id)
    consultation_row = None
    if number := request.GET.get("consultation"):
        consultation_row = _consultation_for(request.user, number)
    unit = request.user.unit
    form = OneTimeNoticeForm(
        request.POST or None,
        version=version,
        initial={
            "return_place": f"{unit.name} {unit.address}".strip(),
            "client_name": consultation_row.client_name if consultation_row else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = actions.issue_one_time_notice(
                request.user,
                version=version,
                missing=data["missing"],
                return_place=data["return_place"],
                client_name=data["client_name"],
                notes=data["notes"],
                consultation=consultation_row,
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("catalogue:notice", number=row.number)
    return render(request, "catalogue/notice_form.html", {"form": form, "v": version})


@login_required
def notice(request, number: str):
    row = _notice_for(request.user, number)
    return render(
        request,
        "catalogue/notice.html",
        {"n": row, "v": row.version, "missing": row.missing.order_by("order")},
    )


@login_required
def notice_pdf(request, number: str):
    row = _notice_for(request.user, number)
    pdf = render_pdf(
        "catalogue/pdf/one_time.html",
        {"n": row, "v": row.version, "missing": row.missing.order_by("order")},
        request,
    )
    return _pdf_response(pdf, f"{row.number}.pdf")


def _attach(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
