import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.scheduling.guidance import as_message, first_remote_contact_guidance


def test_guidance_tells_people_it_will_feel_different():
    points = first_remote_contact_guidance("video")
    assert any("feel different" in p for p in points)
    assert any("phone you" in p for p in points)  # what happens if the call drops
    assert first_remote_contact_guidance("face_to_face") == ()
    assert as_message("telephone").startswith("- We will call you")


def test_the_recommend_command_reads_json_and_prints_json(tmp_path, capsys):
    path = tmp_path / "context.json"
    path.write_text(
        json.dumps(
            {
                "consultation_type": "risk_assessment",
                "service_user": {"preferences": {"text": "prefers"}},
            }
        )
    )
    call_command("recommend", str(path))
    result = json.loads(capsys.readouterr().out)
    assert result["ranked"][0]["mode"] == "face_to_face"
    assert result["rules_version"]


def test_the_recommend_command_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO('{"consultation_type": "psychotherapy"}'))
    call_command("recommend")
    assert json.loads(capsys.readouterr().out)["consultation_type"] == "psychotherapy"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"consultation_type": "psychotherapy", "service_user": {"access_needs": ["x"]}}',
            "unknown access need 'x'",
        ),
        ("{not json", r"not valid JSON \(line 1, column 2\)"),
    ],
)
def test_the_recommend_command_names_bad_input(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CommandError, match=message):
        call_command("recommend", str(path))
