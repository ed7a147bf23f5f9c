"""Server-side HTML for the sandbox: mrkdwn, Block Kit elements and blocks, views, and page fragments."""
