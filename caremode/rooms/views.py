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
from caremode.core.forms import add_domain_error, posted, submitted
from caremode.rooms import reopening, services
from caremode.rooms.access import (
    PASSES_KEY,
    REOPEN_KEY,
    access_pass_to_reopen,
    access_room,
    access_room_as_guest,
    access_room_as_invited_carer,
    access_room_contact,
)
from caremode.rooms.errors import PassInUseElsewhereError
from caremode.rooms.forms import (
    ConfirmOutcomeForm,
    NewLinkForm,
    OpenRoomForm,
    ReopenByBirthDateForm,
    ReopenByCodeForm,
)
from caremode.rooms.models import Role, Room
from caremode.rooms.outcomes import confirm_outcome, propose_outcome
from caremode.rooms.presenters import proposal_rows, waiting_room_facts
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
    """Make and send a new link without leaving the call: htmx swaps the answer into the room
    page; without JavaScript the form opens this answer as a page of its own (a new tab), so
    the room page is never reloaded and the call goes on."""
    room = access_room(request.user, room_id, purpose="new video room link")
    form = NewLinkForm(request.POST)
    link = None
    if form.is_valid():
        try:
            link = services.send_new_link(
                actor=request.user, room=room, role=form.cleaned_data["role"]
            )
        except DomainError as error:
            add_domain_error(form, error)
    partial = bool(request.headers.get("HX-Request"))
    return render(
        request,
        "rooms/_new_link.html" if partial else "rooms/new_link.html",
        {
            "room": room,
            "contact": room.contact,
            "link": link,
            "form": form,
            "page_title": "New video room link",
        },
    )


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
        "call here: the outcome proposed will be by telephone, with the video failure.",
    )
    return redirect("rooms:host", room_id=room.pk)


@care_team_required
@require_POST
def end(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = access_room(request.user, room_id, purpose="end video call")
    try:
        contact = services.end_call(actor=request.user, room=room, review_outcome=True)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("rooms:host", room_id=room.pk)
    if contact.has_outcome:
        messages.success(
            request, f"Call ended. Outcome recorded: {contact.get_attend_status_display()}."
        )
        return redirect("records:record", pk=contact.service_user_id)
    return redirect("rooms:review_outcome", room_id=room.pk)


@care_team_required
@require_http_methods(["GET", "POST"])
def review_outcome(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    """After End: the outcome the room proposes, to confirm or change before it is saved."""
    room = access_room(request.user, room_id, purpose="confirm video call outcome")
    contact = room.contact
    if room.is_open:
        messages.warning(request, "End the call first; then confirm its outcome.")
        return redirect("rooms:host", room_id=room.pk)
    proposal = propose_outcome(room)
    initial = proposal.fields() if proposal.proposes else {"mode_used": contact.planned_mode}
    form = ConfirmOutcomeForm(None if contact.has_outcome else posted(request), initial=initial)
    if not contact.has_outcome and submitted(
        request,
        form,
        lambda data: confirm_outcome(actor=request.user, room=room, **data),
    ):
        contact.refresh_from_db()
        messages.success(
            request,
            f"Outcome recorded: {contact.get_attend_status_display()}. To change it later, "
            "use Correct outcome on the contact.",
        )
        return redirect("records:record", pk=contact.service_user_id)
    return render(
        request,
        "rooms/review_outcome.html",
        {
            "form": form,
            "room": room,
            "contact": contact,
            "rows": proposal_rows(proposal, contact),
            "page_title": "Confirm the outcome of the call",
            "back_href": reverse("records:record", args=[contact.service_user_id]),
        },
    )


@login_not_required
@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    """A link from a message: checked, bound to this browser, then on to the waiting room."""
    if not request.session.session_key:
        request.session.save()
    try:
        held = services.redeem_pass(token=token, session_key=request.session.session_key or "")
    except PassInUseElsewhereError as error:
        request.session[REOPEN_KEY] = error.pass_id
        return redirect("rooms:reopen")
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


def _link_problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(
        request,
        "rooms/link_problem.html",
        {"problem": problem, "page_title": "This link cannot be used"},
        status=status,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def reopen(request: HttpRequest) -> HttpResponse:
    """A link already opened on another phone or computer: after a check (date of birth, or a
    code sent to a carer), it moves to this browser and the first one is disconnected."""
    held = access_pass_to_reopen(request.session)
    if held is None:
        return _link_problem(
            request,
            "We could not find the link to open here. Use the link you were sent again, or ask "
            "for a new one.",
            404,
        )
    check = reopening.check_for(held)
    step = request.POST.get("step") if request.method == "POST" else None
    sent_to = ""
    form: ReopenByBirthDateForm | ReopenByCodeForm | None = None
    if check == "date_of_birth":
        form = ReopenByBirthDateForm(posted(request))
    elif check == "code":
        form = ReopenByCodeForm(request.POST if step == "code" else None)
        if step == "send":
            try:
                sent_to = reopening.send_reopen_code(pass_id=held.pk)
            except DomainError as error:
                messages.error(request, str(error))
    reopened: list[int] = []

    def act(data: dict[str, Any]) -> None:
        answer = reopening.reopen_pass(
            pass_id=held.pk, session_key=request.session.session_key or "", **data
        )
        if answer.reopened is None:
            field = "date_of_birth" if check == "date_of_birth" else "code"
            raise DomainError(
                f"That does not match. You can try {answer.tries_left} more time(s)."
                if answer.tries_left
                else "That does not match, and this link is now locked. Contact your care "
                "team: they can send a new link, or phone you instead.",
                field=field,
            )
        reopened.append(answer.reopened.room_id)

    if form is not None and step != "send" and submitted(request, form, act):
        passes = dict(request.session.get(PASSES_KEY) or {})
        passes[str(reopened[0])] = held.pk
        request.session[PASSES_KEY] = passes
        request.session.pop(REOPEN_KEY, None)
        return redirect("rooms:wait", room_id=reopened[0])
    return render(
        request,
        "rooms/reopen.html",
        {
            "form": form,
            "check": check,
            "sent_to": sent_to,
            "name": held.label,
            "tries_left": reopening.tries_left(held),
            "page_title": "Open your link on this phone or computer",
        },
    )


@require_POST
def join_as_carer(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    """A carer signed in to CareMode joins the appointment they are invited to from their own
    page: their link is bound to this browser (their sign-in stands for the check)."""
    room = access_room_as_invited_carer(request.user, room_id)
    try:
        held = reopening.take_pass_as_signed_in_carer(
            user=request.user, room=room, session_key=request.session.session_key or ""
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("records:carer_home")
    passes = dict(request.session.get(PASSES_KEY) or {})
    passes[str(room.pk)] = held.pk
    request.session[PASSES_KEY] = passes
    return redirect("rooms:wait", room_id=room.pk)


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
