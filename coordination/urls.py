from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("", views.home, name="home"),
    path("sager/", views.case_list, name="case_list"),
    path("sager/ny/", views.case_new, name="case_new"),
    path("sager/<int:pk>/", views.case_detail, name="case_detail"),
    path("sager/<int:pk>/kontakt/", views.contact_new, name="contact_new"),
    path("sager/<int:pk>/notat/", views.entry_new, name="entry_new"),
]
