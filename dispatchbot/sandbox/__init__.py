"""`dispatchbot sandbox`: the real bot against an embedded Slack workspace, with a browser UI to act in it.

`run` starts everything; `people` seeds the workspace; `bot_process` runs `dispatchbot run` as a child;
`web` serves the UI, `acting` does what the page asks through the workspace's people drivers,
`visibility` decides what each person sees, `changes` streams live updates, and `render/` turns
messages, Block Kit and views into HTML on the server (so it is testable without a browser).
"""
