"""The yardstick for `alerts.py`: a bare aiohttp app that answers `POST /alerts/{source}` with a 202.

It reads and parses the body and answers in the shape dispatchbot does, but checks nothing and stores
nothing: what is left is the cost of HTTP and JSON on this machine, the floor under dispatchbot's
intake measured by the same senders in the same run. No logging set up (aiohttp's access log is off
unless configured).
Run by alerts.py with PORT set.
"""

from __future__ import annotations

import json
import os

from aiohttp import web


async def accept(request: web.Request) -> web.Response:
    document = json.loads(await request.read())
    key = document.get("deduplication_key", "")
    return web.json_response(
        {"status": "accepted", "alerts": [{"dedup_key": key, "action": "created"}]}, status=202
    )


def main() -> None:
    app = web.Application()
    app.router.add_post("/alerts/{source}", accept)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)


if __name__ == "__main__":
    main()
