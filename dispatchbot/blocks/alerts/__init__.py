"""Block Kit builders: alerts.

The alert message edited in place and its thread replies, storms, mapbox DMs and prompts, and the
report form's prefill when an incident is declared from an alert.
"""
