"""Inbound mail: store raw first (store.py), then the filter pipeline (pipeline.py)."""
