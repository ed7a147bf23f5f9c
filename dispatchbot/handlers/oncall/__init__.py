"""Slack listeners: oncall.

Engaging and paging the people on call through the configured provider.
"""
