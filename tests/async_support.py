"""Helpers for running coroutines from sync tests."""

from __future__ import annotations

import asyncio
import concurrent.futures


def run_async(coro):
    """Run a coroutine to completion from sync test code.

    A worker thread gets its own event loop: Playwright's sync API (browser tests) keeps a
    loop running in the main thread for the whole session, where asyncio.run() refuses.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()

