from django.urls import path

from . import views_public, views_staff

app_name = "complaints"

urlpatterns = [
    path("new/", views_public.new, name="new"),
    path("track/", views_public.track, name="track"),
    path("staff/", views_staff.complaint_list, name="list"),
    path("staff/new/", views_staff.enter, name="enter"),
    path("staff/limits/", views_staff.limits, name="limits"),
    path("staff/referred/<str:number>/take/", views_staff.take_referral, name="take-referral"),
    path("staff/<str:number>/", views_staff.complaint_page, name="complaint"),
    path("staff/<str:number>/identity/", views_staff.identity, name="identity"),
    path("staff/<str:number>/<slug:name>/", views_staff.act, name="act"),
]
