"""The web container's healthcheck: asks /sante/ (database, cache, broker) of the local
gunicorn with the first allowed host name. Exit status 0 when healthy."""

import os
import sys
import urllib.request


def main() -> int:
    host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip()
    port = os.environ.get("PASSNUM_WEB_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/sante/",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return 0 if response.status == 200 else 1
    except Exception as exc:  # unhealthy, whatever the reason
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
