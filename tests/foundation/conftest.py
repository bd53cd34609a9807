import pytest


@pytest.fixture(autouse=True)
def _home_without_app_panels(monkeypatch):
    """Foundation tests check the foundation: the home page is rendered without the panels the
    other apps plug into it (their own tests cover those)."""
    monkeypatch.setattr("passnum.site.views.home_panels", lambda request: [])
