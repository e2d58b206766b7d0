"""Change bus: domain publishes small change events after commit; live pages subscribe."""
