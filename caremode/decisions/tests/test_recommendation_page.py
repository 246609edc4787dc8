"""The recommendation page as a clinician reads it: a short ranked summary, cautions said once,
details on demand, and every evidence number a link to the finding it stands for."""

from __future__ import annotations

import re

from caremode.accounts.models import Role
from caremode.core.evidence import FINDINGS_BY_ID
from caremode.decisions.presenters import summarise
from caremode.decisions.rules import Context, recommend
from caremode.people.services import record_access_need
from tests.factories import CarerConsentFactory, UserFactory, signed_in

NEEDS = frozenset({"no_private_space", "poor_connectivity", "hearing_impairment"})


def test_a_caution_for_several_modes_is_said_once_and_each_mode_has_one_line_why_and_watch():
    view = summarise(recommend(Context(consultation_type="care_coordination", access_needs=NEEDS)))
    shared = {s.reason.rule: s.modes for s in view.shared_cautions}
    # No private space at home (R19) cautions every remote mode: said once, naming them.
    assert set(shared["R19"]) == {"video", "telephone", "text", "email"}
    for summary in view.modes:
        assert not any(c.rule == "R19" for c in summary.own_cautions)
        assert summary.why is None or summary.why.short
    top = view.modes[0]
    assert top.option.mode == "face_to_face" and top.why is not None
    # The strongest reason comes first, in the rule's few words; one about this person before
    # the general "any contact" on a tie.
    assert top.why.rule != "R01" and top.why.short == top.why.headline


def test_the_page_is_short_says_each_caution_once_and_links_every_evidence_number(
    client, clinician, service_user
):
    for need in NEEDS:
        record_access_need(actor=clinician, service_user=service_user, need=need)
    signed_in(client, clinician)
    body = client.get(
        f"/service-users/{service_user.pk}/decisions/new/",
        {"consultation_type": "care_coordination"},
    ).content.decode()
    explanation = "without a private space the person may not be able to speak freely"
    # Once among the cautions, once as a reason for face to face; each remote mode's details
    # point back to it instead of saying it again.
    assert body.count(explanation) == 2
    assert body.count("<li>No private space at home (said above)</li>") == 4
    assert "Cautions for more than one mode" in body
    assert body.count("<details") == 5  # each mode's detail on demand, closed
    assert "Why: " in body and "Watch: " in body
    cited = re.findall(r'<a href="/evidence/(E\d+)/" title="([^"]*)">\1</a>', body)
    assert cited and all(FINDINGS_BY_ID[code].text[:40] in title for code, title in cited)
    assert not re.search(r"\(R\d\d; E\d", body)  # no bare "(R01; E2)" codes left


def test_a_carer_who_may_join_is_prompted_at_an_assessment(client, clinician, service_user):
    CarerConsentFactory(service_user=service_user)
    signed_in(client, clinician)
    body = client.get(
        f"/service-users/{service_user.pk}/decisions/new/",
        {"consultation_type": "initial_assessment"},
    ).content.decode()
    assert "Invite the carer and ask for their view" in body


def test_the_evidence_pages_state_each_finding_and_its_source(client, service_user):
    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    signed_in(client, account)
    index = client.get("/evidence/").content.decode()
    assert all(f'id="E{n}"' in index for n in range(1, 24))
    assert "Liberati E" in index
    page = client.get("/evidence/E4/").content.decode()
    assert FINDINGS_BY_ID["E4"].text in page
    assert "R08" in page and "R27" in page  # the rules that rest on it
    assert client.get("/evidence/X1/").status_code == 404
