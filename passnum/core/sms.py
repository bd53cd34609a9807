"""Sending text messages (SMS), pluggable like Django's e-mail backends.

``PASSNUM_SMS_BACKEND`` names the backend class:

- ``passnum.core.sms.ConsoleBackend`` (default): prints the message (development);
- ``passnum.core.sms.FileBackend``: appends one JSON line per message to
  ``PASSNUM_SMS_FILE_PATH`` (tests, demo);
- ``passnum.core.sms.BrevoBackend``: Brevo's transactional SMS HTTP API
  (``POST {PASSNUM_SMS_API_URL}/v3/transactionalSMS/sms`` with the ``api-key`` header
  ``PASSNUM_SMS_API_KEY``, sender ``PASSNUM_SMS_SENDER``).

Only mobile numbers of France (06, 07, or +33 6/7) receive an SMS (``sms_number``)."""

import json
import re
import sys
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "passnum.core.sms.ConsoleBackend"
BREVO_URL = "https://api.brevo.com"


class SmsError(Exception):
    """The provider refused or could not be reached: the message was not sent."""


def sms_number(phone: str) -> str | None:
    """A French mobile number in international form (``+33612345678``), or None when ``phone``
    is not one (a landline receives no SMS)."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if re.fullmatch(r"0[67]\d{8}", digits):
        return "+33" + digits[1:]
    return None


class BaseBackend:
    def send(self, *, to: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"SMS à {to} :\n{text}\n{'-' * 40}\n")


class FileBackend(BaseBackend):
    """Appends ``{"to": …, "text": …}`` as one JSON line to PASSNUM_SMS_FILE_PATH."""

    def send(self, *, to: str, text: str) -> None:
        path = Path(settings.PASSNUM_SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"to": to, "text": text}, ensure_ascii=False) + "\n")


class BrevoBackend(BaseBackend):
    """Brevo (ex-Sendinblue) transactional SMS: one JSON POST per message."""

    timeout = 10

    def send(self, *, to: str, text: str) -> None:
        base = (getattr(settings, "PASSNUM_SMS_API_URL", "") or BREVO_URL).rstrip("/")
        body = json.dumps(
            {
                "type": "transactional",
                "sender": settings.PASSNUM_SMS_SENDER,
                "recipient": to.lstrip("+"),
                "content": text,
                "tag": "passnum-rappel",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base}/v3/transactionalSMS/sms",
            data=body,
            method="POST",
            headers={
                "api-key": settings.PASSNUM_SMS_API_KEY,
                "accept": "application/json",
                "content-type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsError(f"Brevo a répondu {response.status}")
        except OSError as error:  # URLError, HTTPError and timeouts are OSErrors
            raise SmsError(str(error)) from error


def sms_enabled() -> bool:
    """SMS are sent unless PASSNUM_SMS_BACKEND is set empty."""
    return bool(getattr(settings, "PASSNUM_SMS_BACKEND", DEFAULT_BACKEND))


def sms_backend() -> BaseBackend:
    return import_string(getattr(settings, "PASSNUM_SMS_BACKEND", "") or DEFAULT_BACKEND)()


def sms_send(*, to: str, text: str) -> None:
    """Send ``text`` to the mobile number ``to`` (``sms_number``) through the configured
    backend. Raises SmsError when the provider does not take it."""
    sms_backend().send(to=to, text=text)
