"""Cache-Control: no-store on every page and API response (personal data stays out of browser
and proxy caches; static files may be cached), and Permissions-Policy allowing the camera and
microphone only on the room pages."""

from __future__ import annotations

from django.test import Client

from caremode.rooms import services as rooms
from tests.factories import ContactFactory, signed_in


def _room_page(clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    room, _links = rooms.open_room(actor=clinician, contact=contact)
    return f"/rooms/{room.pk}/"


def test_pages_and_api_responses_are_not_stored_and_static_files_may_be(
    client, clinician, service_user
):
    signed_in(client, clinician)
    for path in (
        "/service-users/",
        f"/service-users/{service_user.pk}/",
        f"/api/service-users/{service_user.pk}/recommendation/?consultation_type=care_coordination",
        _room_page(clinician, service_user),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
    static = client.get("/static/rooms/rooms.mjs")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_a_pass_holders_waiting_room_is_not_stored(client, clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    _room, links = rooms.open_room(actor=clinician, contact=contact)
    waiting = client.get(links[0].url.split("8000", 1)[-1], follow=True)
    assert waiting.status_code == 200
    assert waiting["Cache-Control"] == "no-store"
    assert "camera=(self)" in waiting["Permissions-Policy"]


def test_camera_and_microphone_are_allowed_only_on_the_room_pages(client, clinician, service_user):
    signed_in(client, clinician)
    for path in (_room_page(clinician, service_user), "/rooms/test/"):
        policy = client.get(path)["Permissions-Policy"]
        assert "camera=(self)" in policy and "microphone=(self)" in policy, path
    for path in ("/service-users/", "/diary/", "/training/", "/account/sign-in/"):
        policy = client.get(path)["Permissions-Policy"]
        assert "camera=()" in policy and "microphone=()" in policy, path


def test_only_the_clinicians_room_page_may_share_a_screen(client, clinician, service_user):
    """Hazard V8a: the browser refuses screen sharing on every page but the clinician's room."""
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    room, links = rooms.open_room(actor=clinician, contact=contact)
    waiting = Client().get(links[0].url.split("8000", 1)[-1], follow=True)
    assert waiting.status_code == 200
    assert "display-capture=()" in waiting["Permissions-Policy"]
    signed_in(client, clinician)
    host = client.get(f"/rooms/{room.pk}/")
    assert host.status_code == 200
    assert "display-capture=(self)" in host["Permissions-Policy"]
    assert "camera=(self)" in host["Permissions-Policy"]
    for path in ("/rooms/test/", "/service-users/"):
        assert "display-capture=()" in client.get(path)["Permissions-Policy"], path
