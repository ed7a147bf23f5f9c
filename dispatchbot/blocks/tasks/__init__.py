"""Block Kit builders: tasks.

Created in Slack or from document comments, listed, reminded, resolved.
"""
