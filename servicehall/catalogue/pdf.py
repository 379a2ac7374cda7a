"""PDFs with Chinese glyphs (WeasyPrint + WenQuanYi Zen Hei), fetching nothing from outside."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, request=None) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, context, request=request)
    stylesheet = finders.find("servicehall/print.css")
    # Offices run on closed networks: a document inlines what it shows (the QR code is
    # inline SVG) and may fetch nothing but data: URLs.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher, base_url="data:,").write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None
    )
