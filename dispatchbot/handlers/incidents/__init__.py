"""Slack listeners: incidents.

Reporting, the channel, updates, roles, participants, lists,
timeline, App Home.
"""
