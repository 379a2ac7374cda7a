"""Middleware of the whole site."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

NUL = "\x00"


class RefuseNullCharactersMiddleware:
    """Answer 400 to a NUL character in the path or the query string.

    PostgreSQL refuses NUL in text, so a lookup by a number taken from the address (a case,
    a complaint, a ticket's follow code) would fail with a server error; SQLite would just
    find nothing. No address of the site ever has one, so it is refused before any view runs,
    in the client's language. (Form fields refuse NUL themselves: Django's
    ProhibitNullCharactersValidator.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                _("The address contains a character that is not allowed."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
