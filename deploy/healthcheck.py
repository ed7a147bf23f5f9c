"""Container health check: exit 0 when the bot's `/healthz` answers 200, else 1.

Slim images have no curl, so the Dockerfile's HEALTHCHECK and the compose file run this with the
image's Python. The port is `http.port` as the bot reads it from the environment
(`DISPATCHBOT_HTTP__PORT`, default 8080); a port set only in the config file must be set here too.
Proxy variables are ignored: the check never leaves the container. The body is printed because
Docker keeps the last outputs (`docker inspect`), and a 503's body says why the bot is unhealthy.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_PORT = "8080"
TIMEOUT_SECONDS = (
    4.0  # below the HEALTHCHECK timeout (5 s); /healthz itself waits at most 2 s on the database
)


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('DISPATCHBOT_HTTP__PORT', DEFAULT_PORT)}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            print(response.read().decode("utf-8", "replace"))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{exc.code}: {exc.read().decode('utf-8', 'replace')}")
    except OSError as exc:
        print(f"{url}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
