"""Video rooms: opening one from a contact, the clinician's room, the waiting room and call for
everyone else, and the test call anyone can try (training is `workforce`'s)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from caremode.core.access import AuthenticatedRequest, care_team_required
from caremode.core.errors import DomainError
from caremode.core.forms import posted, submitted
from caremode.rooms import services
from caremode.rooms.access import (
    PASSES_KEY,
    access_room,
    access_room_as_guest,
    access_room_contact,
)
from caremode.rooms.forms import NewLinkForm, OpenRoomForm
from caremode.rooms.models import Role, Room
from caremode.rooms.presenters import waiting_room_facts
from caremode.rooms.providers import current_provider
from caremode.rooms.selectors import room_for_contact

LINKS_KEY = "room_links_once"


def _remember_links(request: HttpRequest, links: list[services.IssuedLink]) -> None:
    """Links are shown once, on the next page, then only their hashes remain."""
    request.session[LINKS_KEY] = [
        {"role": link.role, "label": link.label, "url": link.url} for link in links
    ]


def _call_context(room: Room, role: str) -> dict[str, Any]:
    return {
        "room": room,
        "role": role,
        "socket_path": f"/ws/rooms/{room.pk}/",
        "ice_servers": json.dumps(settings.CAREMODE_ICE_SERVERS),
        "external_url": current_provider().call_url(room.pk),
    }


@care_team_required
@require_http_methods(["GET", "POST"])
def open_room(request: AuthenticatedRequest, contact_id: int) -> HttpResponse:
    contact = access_room_contact(request.user, contact_id)
    existing = room_for_contact(contact.pk)
    form = OpenRoomForm(
        posted(request), initial={"safe_word": existing.safe_word if existing else ""}
    )
    opened: list[Room] = []

    def act(data: dict[str, Any]) -> None:
        room, links = services.open_room(
            actor=request.user, contact=contact, safe_word=data["safe_word"]
        )
        _remember_links(request, links)
        opened.append(room)

    if submitted(request, form, act):
        return redirect("rooms:host", room_id=opened[0].pk)
    return render(
        request,
        "rooms/open.html",
        {
            "form": form,
            "contact": contact,
            "room": existing,
            "page_title": "Open the video room",
            "back_href": reverse("records:record", args=[contact.service_user_id]),
        },
    )


@care_team_required
@require_GET
def host(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = access_room(request.user, room_id)
    return render(
        request,
        "rooms/host.html",
        {
            **_call_context(room, Role.CLINICIAN),
            "name": str(request.user),
            "contact": room.contact,
            "links": request.session.pop(LINKS_KEY, []),
            "link_form": NewLinkForm(),
            "page_title": "Video room",
            "back_href": reverse("records:record", args=[room.contact.service_user_id]),
        },
    )


@care_team_required
@require_POST
def new_link(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = access_room(request.user, room_id, purpose="new video room link")
    form = NewLinkForm(request.POST)
    if form.is_valid():
        role = form.cleaned_data["role"]
        contact = room.contact
        label = {
            Role.SERVICE_USER: contact.service_user.given_name,
            Role.CARER: str(contact.carer_invited or ""),
            Role.INTERPRETER: "Interpreter",
        }[role]
        try:
            _remember_links(
                request,
                [services.issue_pass(actor=request.user, room=room, role=role, label=label)],
            )
        except DomainError as error:
            messages.error(request, str(error))
    return redirect("rooms:host", room_id=room.pk)


@care_team_required
@require_POST
def fall_back(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = access_room(request.user, room_id, purpose="fall back to telephone")
    try:
        phone = services.fall_back_to_telephone(actor=request.user, room=room)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("rooms:host", room_id=room.pk)
    messages.success(
        request,
        f"Phone {room.contact.service_user.given_name} on {phone}. When you finish, end the "
        "call here: the contact will be recorded as by telephone, with the video failure.",
    )
    return redirect("rooms:host", room_id=room.pk)


@care_team_required
@require_POST
def end(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = access_room(request.user, room_id, purpose="end video call")
    try:
        contact = services.end_call(actor=request.user, room=room)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("rooms:host", room_id=room.pk)
    if contact.has_outcome:
        messages.success(
            request, f"Call ended. Outcome recorded: {contact.get_attend_status_display()}."
        )
    else:
        messages.warning(
            request,
            f"Call ended. It began more than {settings.CAREMODE_ROOM_EARLY_JOIN_MINUTES} minutes "
            "before the booked time, so record the outcome on the contact once it has started.",
        )
    return redirect("records:record", pk=contact.service_user_id)


@login_not_required
@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    """A link from a message: checked, bound to this browser, then on to the waiting room."""
    if not request.session.session_key:
        request.session.save()
    try:
        held = services.redeem_pass(token=token, session_key=request.session.session_key or "")
    except DomainError as error:
        return render(
            request,
            "rooms/link_problem.html",
            {"problem": str(error), "page_title": "This link cannot be used"},
            status=410,
        )
    passes = dict(request.session.get(PASSES_KEY) or {})
    passes[str(held.room_id)] = held.pk
    request.session[PASSES_KEY] = passes
    return redirect("rooms:wait", room_id=held.room_id)


@login_not_required
@require_GET
def wait(request: HttpRequest, room_id: int) -> HttpResponse:
    """The waiting room, then the call, for the service user, a carer or an interpreter."""
    found = access_room_as_guest(room_id, request.user, request.session)
    if found is None:
        return render(
            request,
            "rooms/link_problem.html",
            {
                "problem": "We could not find your place in this video room. Use the link you "
                "were sent again, or ask for a new one.",
                "page_title": "This link cannot be used",
            },
            status=404,
        )
    room, me = found
    if me.role == Role.CLINICIAN:
        return redirect("rooms:host", room_id=room.pk)
    return render(
        request,
        "rooms/wait.html",
        {
            **_call_context(room, me.role),
            "name": me.label,
            "contact": room.contact,
            "facts": waiting_room_facts(room.contact),
            "page_title": "Waiting room",
        },
    )


@login_not_required
@require_safe  # the connection check times HEAD requests to this page
def test_call(request: HttpRequest) -> HttpResponse:
    """Anyone can check their camera, microphone, speaker and connection before the day."""
    return render(request, "rooms/test_call.html", {"page_title": "Test your video call"})
