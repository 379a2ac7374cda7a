"""PDFs with Chinese glyphs (WeasyPrint + WenQuanYi Zen Hei), fetching nothing from outside."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


class ExternalResourceRefused(ValueError):
    pass


def _local_only(url: str):
    # Offices run on closed networks: a document never fetches anything remote.
    if url.startswith("file://"):
        from weasyprint import default_url_fetcher

        return default_url_fetcher(url)
    raise ExternalResourceRefused(url)


def render_pdf(template: str, context: dict, request=None) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, context, request=request)
    stylesheet = finders.find("servicehall/print.css")
    return HTML(string=html, url_fetcher=_local_only, base_url="file:///").write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None
    )
