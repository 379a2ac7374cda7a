"""The hall display, its state for catching up, and the spoken calls (public pages).

The live events themselves are served by ``servicehall eventstream``, not by this app.
"""

from django.urls import path, re_path

from . import views_display

urlpatterns = [
    path("display/<str:unit_code>/", views_display.display, name="display"),
    path(
        "display/<str:unit_code>/state.json",
        views_display.display_state_json,
        name="display-state",
    ),
    # Names are checked here, strictly: a letter and 3-4 digits, a window 1-999.
    re_path(
        r"^voice/(?P<ticket>[A-Z][0-9]{3,4})/(?P<window>[1-9][0-9]{0,2})\.wav$",
        views_display.voice_clip,
        name="voice",
    ),
]
