"""Workflows: the modal that starts one, the list of an incident's or case's runs, and a run's message."""
