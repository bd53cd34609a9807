"""Response headers every page gets (besides django-csp's Content-Security-Policy).

Rules: every response carries the Permissions-Policy of PASSNUM_PERMISSIONS_POLICY; every
response to a logged-in person and every file download (``Content-Disposition``) is
``Cache-Control: no-store, private``, since any of them may hold personal data (a person's
page, ``donnees.json``, ``fiche.pdf``, a statement). Static files (whitenoise, before this
middleware) keep their long cache."""

from django.conf import settings
from django.utils.cache import patch_cache_control


def response_is_private(request, response) -> bool:
    """Rule: a response is private when a person is logged in or when it is a file download."""
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated) or response.has_header("Content-Disposition")
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PASSNUM_PERMISSIONS_POLICY", "")
        if policy:
            response.setdefault("Permissions-Policy", policy)
        if response_is_private(request, response):
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True)
        return response
