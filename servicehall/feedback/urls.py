from django.urls import path

from . import api, views, views_client

app_name = "feedback"

urlpatterns = [
    path("r/<str:token>/", views_client.rate, name="rate"),
    # The follow code is secrets.token_urlsafe: a slug (a NUL would reach the database).
    path("visit/<slug:follow_token>/", views_client.rate_visit, name="rate-visit"),
    path("pad/", views_client.pad, name="pad"),
    path("pad/pair/", views_client.pad_pair, name="pad-pair"),
    path("pad/unpair/", views_client.pad_unpair, name="pad-unpair"),
    path("pad/state.json", views_client.pad_state, name="pad-state"),
    path("pad/rate/", views_client.pad_rate, name="pad-rate"),
    path("api/call-rating", api.call_rating, name="api-call-rating"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification, name="rectification"),
    path("rectifications/<int:pk>/phone/", views.show_phone, name="rectification-phone"),
    path(
        "rectifications/<int:pk>/<slug:step>/",
        views.rectification_step,
        name="rectification-step",
    ),
    path("appeals/", views.appeals, name="appeals"),
]
