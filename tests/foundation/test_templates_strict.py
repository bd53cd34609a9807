"""The suite's guard (tests/conftest.py): a project template that names a variable its context
lacks fails the test, unless the template says the variable may be missing (``|default:``);
templates that are not the project's render as Django renders them."""

from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string

from tests import conftest

PROBES = Path(__file__).parent / "templates_strict"


@pytest.fixture
def probe_is_ours(settings, monkeypatch):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], PROBES]}
    ]
    monkeypatch.setattr(conftest, "PROJECT_TEMPLATES", PROBES)


def test_an_undefined_variable_in_a_project_template_fails():
    with pytest.raises(AssertionError, match=r"Undefined template variable entry\.sentence in"):
        render_to_string("audit/_history.html", {"entries": [{"created_at": None}]})


def test_a_default_filter_and_a_condition_tolerate_a_missing_variable(probe_is_ours):
    assert render_to_string("strict_probe.html", {"defined": "A"}).strip() == "A —"
    with pytest.raises(AssertionError, match="Undefined template variable missing"):
        render_to_string("strict_probe.html", {"defined": "A", "flag": True})


def test_a_template_that_is_not_the_projects_renders_as_django_does():
    template = engines["django"].from_string("[{{ missing }}|{{ missing|default:'d' }}]")
    assert template.render({}) == "[|d]"
