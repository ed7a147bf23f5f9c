"""Slack listeners: feedback.

On incidents and on on-call shifts, and the digest that sums it up.
"""
