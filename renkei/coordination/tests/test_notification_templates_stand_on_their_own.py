"""A notification template is its own text: it cannot pull in other templates or
libraries, one that fails to render is refused at save, and one stored broken
(through /admin/) leaves its edit page and the notify page working, with the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import NotificationTemplate
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

INCLUDES = 'Dear {{ organisation }}\n{% include "footer.txt" %}'
# Parses, but fails only while rendering: a URL (a string) cannot unpack into two names.
FAILS_WHILE_RENDERING = "{% for a, b in urls %}{{ a }}{% endfor %}"


def _save(admin: User, template: NotificationTemplate, body: str) -> str:
    response = signed_in(admin).post(
        reverse("coordination:template_edit", args=[template.pk]),
        {"subject": "Takedown", "body": body},
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        INCLUDES,
        '{% extends "base.html" %}',
        "{% load static %}{% static 'x.css' %}",
        "{% debug %}",
        "{% url 'dashboard' %}",
        FAILS_WHILE_RENDERING,
    ],
)
def test_a_template_that_reaches_beyond_its_text_or_fails_to_render_is_refused_at_save(
    personas: dict[str, User], body: str
) -> None:
    template = NotificationTemplate.objects.get(category="phishing", language="en")
    page = _save(personas["admin"], template, body)
    assert "テンプレートのエラー" in page
    assert NotificationTemplate.objects.get(pk=template.pk).body == template.body


@pytest.mark.django_db
def test_the_live_preview_shows_why_a_template_does_not_render(
    personas: dict[str, User],
) -> None:
    template = NotificationTemplate.objects.get(category="phishing", language="en")
    response = signed_in(personas["admin"]).post(
        reverse("coordination:template_preview", args=[template.pk]),
        {"subject": "Takedown", "body": FAILS_WHILE_RENDERING},
    )
    assert response.status_code == 200
    assert "テンプレートのエラー" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [INCLUDES, FAILS_WHILE_RENDERING])
def test_a_stored_template_that_does_not_render_leaves_its_pages_working_with_the_reason(
    personas: dict[str, User], body: str
) -> None:
    incident = ingest(url="https://example.com/login").incident
    template = NotificationTemplate.objects.get(category="phishing", language="en")
    NotificationTemplate.objects.filter(pk=template.pk).update(body=body)  # as /admin/ would
    client = signed_in(personas["admin"])

    edit = client.get(reverse("coordination:template_edit", args=[template.pk]))
    assert edit.status_code == 200 and "テンプレートのエラー" in edit.content.decode()

    notify = client.get(reverse("coordination:notify", args=[incident.ref]) + "?language=en")
    assert notify.status_code == 200
    page = notify.content.decode()
    assert 'id="template-error"' in page and "テンプレートのエラー" in page
