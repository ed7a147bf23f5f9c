"""Block Kit builders: incidents.

Reporting, the channel, updates, roles, participants, lists,
timeline, App Home.
"""
