"""Slack listeners: workflows.

`/dispatch-run-workflow` and its modal, `/dispatch-list-workflows`.
"""
