"""Load for `benchmarks/load_booking.py`: clinicians using the diary, caseload and booking pages,
beside the same server's accessibility statement as a trivial baseline page."""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PEOPLE = re.compile(r'href="/service-users/(\d+)/"')


class Clinician(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get("/account/sign-in/", name="sign in")
        token = CSRF.search(page.text)
        self.client.post(
            "/account/sign-in/",
            {
                "username": "clinician",
                "password": "caremode-demo",
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="sign in",
        )
        caseload = self.client.get("/service-users/", name="caseload")
        self.people = PEOPLE.findall(caseload.text) or ["1"]

    @task(3)
    def trivial(self) -> None:
        self.client.get("/accessibility/", name="baseline: accessibility statement")

    @task(3)
    def diary(self) -> None:
        self.client.get("/diary/", name="my diary")

    @task(2)
    def caseload(self) -> None:
        self.client.get("/service-users/?q=" + random.choice("ABCDEGHJKMPRSTW"), name="caseload")

    @task(2)
    def booking(self) -> None:
        person = random.choice(self.people)
        page = self.client.get(f"/service-users/{person}/book/", name="booking page")
        token = CSRF.search(page.text)
        day = random.randint(1, 28)
        self.client.post(
            f"/service-users/{person}/book/",
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "consultation_type": "care_coordination",
                "mode": "telephone",
                "date_0": day,
                "date_1": 3,
                "date_2": 2027,
                "time": f"{random.randint(9, 15)}:{random.choice(['00', '15', '30', '45'])}",
                "duration_minutes": "30",
                "confirm_different_mode": "on",
            },
            name="booking submit",
        )
