from django.urls import path

from caremode.rooms import views

app_name = "rooms"

urlpatterns = [
    path("contacts/<int:contact_id>/room/", views.open_room, name="open"),
    path("rooms/<int:room_id>/", views.host, name="host"),
    path("rooms/<int:room_id>/links/", views.new_link, name="new_link"),
    path("rooms/<int:room_id>/telephone/", views.fall_back, name="fall_back"),
    path("rooms/<int:room_id>/end/", views.end, name="end"),
    path("rooms/<int:room_id>/outcome/", views.review_outcome, name="review_outcome"),
    path("rooms/<int:room_id>/wait/", views.wait, name="wait"),
    path("rooms/<int:room_id>/join-as-carer/", views.join_as_carer, name="join_as_carer"),
    path("rooms/join/again/", views.reopen, name="reopen"),
    path("rooms/join/<str:token>/", views.join, name="join"),
    path("rooms/test/", views.test_call, name="test"),
]
