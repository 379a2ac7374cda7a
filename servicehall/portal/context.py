"""Values every page's layout needs."""

from django.conf import settings

LARGE_TEXT_COOKIE = "large_text"


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
    }
