"""Page functions: layout only, no queries, no rules."""
