from django.urls import path

from caremode.people import views

app_name = "people"
urlpatterns = [
    path("new/", views.register_service_user, name="register"),
    path("<int:pk>/access-needs/new/", views.add_access_need, name="add_access_need"),
    path("<int:pk>/access-needs/<int:need_pk>/end/", views.end_access_need, name="end_access_need"),
    path("<int:pk>/contact-details/", views.edit_contact_details, name="edit_contact_details"),
    path("<int:pk>/area/", views.edit_area, name="edit_area"),
    path("<int:pk>/carers/new/", views.add_carer, name="add_carer"),
    path("services/", views.services_overview, name="services"),
    path("cover/", views.cover, name="cover"),
    path("staff/", views.staff_accounts, name="staff_accounts"),
    path("staff/<int:pk>/", views.staff_account, name="staff_account"),
    path("team/members/", views.memberships, name="memberships"),
    path("<int:pk>/restriction/", views.restriction, name="restriction"),
    path("<int:pk>/erase/", views.erase, name="erase"),
]
