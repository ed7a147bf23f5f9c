"""The alert half's pure core: the stored alert, routing by `[[signals]]`, and Cabot's state rules.

No I/O here (like `costs.py`): services apply these decisions in a transaction, flows carry out the
Slack and paging side, and tests check every rule without a database.
"""
