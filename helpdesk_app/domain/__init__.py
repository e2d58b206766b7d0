"""Use cases and rules in plain Python. Functions take a session and an actor."""
