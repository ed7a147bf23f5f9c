"""Use cases: reports.

Tactical and executive reports, and the reminders that ask for them.
"""
