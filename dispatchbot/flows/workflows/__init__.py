"""Use cases: workflows.

Started from an incident, a case or a signal, followed until they finish, listed.
"""
