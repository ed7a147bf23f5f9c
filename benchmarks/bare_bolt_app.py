"""The yardstick for `ack_latency.py`: a bare slack-bolt app, written the way its README shows.

It answers `/dispatch-list-incidents` by querying the incidents a person may see from the same SQLite
file, inside the ack, with bolt's defaults (no `process_before_response`) and no logging set up. It
is what a newcomer would write in ten minutes, so dispatchbot's acks should be no slower.
Run by ack_latency.py with SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL and DATABASE_URL set.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

VISIBLE = """
    (visibility = 'open'
     OR id IN (SELECT incident_id FROM participants WHERE user_id = :user AND active))
    AND (status != 'closed' OR closed_at >= :since)
"""
COUNT = text(f"SELECT count(*) FROM incidents WHERE {VISIBLE}")
PAGE = text(
    f"SELECT id, title, status, severity, priority, commander_id, channel_id FROM incidents"
    f" WHERE {VISIBLE} ORDER BY id DESC LIMIT 20"
)


async def main() -> None:
    engine = create_async_engine(os.environ["DATABASE_URL"])
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client)

    @app.command("/dispatch-list-incidents")
    async def list_incidents(ack: AsyncAck, command: dict[str, Any]) -> None:
        arguments = {"user": command["user_id"], "since": datetime.now(UTC) - timedelta(days=1)}
        async with engine.connect() as connection:
            total = await connection.scalar(COUNT, arguments)
            rows = (await connection.execute(PAGE, arguments)).all()
        lines = [f"*INC-{row.id}* · {row.title} · {row.status} · <@{row.commander_id}>" for row in rows]
        await ack(response_type="ephemeral", text=f"{total} incidents\n" + "\n".join(lines))

    handler = AsyncSocketModeHandler(app, os.environ["SLACK_APP_TOKEN"])
    await handler.start_async()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    asyncio.run(main())
