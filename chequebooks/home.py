"""Panels this app adds to the home page of each role (see passnum.core.home)."""

from passnum.core.home import Panel  # noqa: F401


def panels(request) -> list:
    return []
