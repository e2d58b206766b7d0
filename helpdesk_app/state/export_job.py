"""A file made in the background for its requester (the reports' entry export, the RODO
export): the job's progress as a page shows it, and the loop that follows the work."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

from helpdesk_app import routes
from helpdesk_app.domain.errors import DomainError


@dataclasses.dataclass
class ExportJob:
    running: bool = False
    done: int = 0
    total: int = 0
    href: str = ""
    error: str = ""


async def follow(state: Any, work: Callable[[], str], progress: dict[str, int]) -> None:
    """Run `work` (it returns the export's download token) in a worker thread; every 0.3 s
    show `progress` ("done", "total", updated by the work) in `state.export`; at the end
    offer the download link, or say why there is none. `state` is a background event's
    state (`async with state` takes its lock)."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    while not task.done():
        await asyncio.sleep(0.3)
        async with state:
            state.export = ExportJob(running=True, done=progress["done"],
                                     total=progress["total"])
    async with state:
        try:
            token = task.result()
        except DomainError as e:
            state.export = ExportJob(error=state._err(e))
            return
        except Exception as e:  # shown to the person; the file is not offered
            state.export = ExportJob(error=state._t("reports.export_failed",
                                                    error=str(e)[:200]))
            return
        state.export = ExportJob(done=progress["done"], total=progress["done"],
                                 href=f"{routes.REPORTS_FILES_API}{token}")
