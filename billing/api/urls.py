from django.urls import path

from . import views

urlpatterns = [
    path("openapi.json", views.openapi),
    path("captcha/verifications", views.captcha_verifications),
    path("captcha/apps/<int:app_id>/entitlement", views.captcha_entitlement),
    path("push/apps/<str:access_id>/service", views.push_service),
    path("push/apps/<str:access_id>/dau/<str:day>", views.push_dau),
]
