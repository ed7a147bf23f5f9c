"""dispatchbot."""
