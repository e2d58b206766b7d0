"""`reflex run`, with a granian server that starts a dead worker again.

Reflex builds its granian server itself, without granian's `respawn_failed_workers`: a
worker that dies (the OOM killer, a crash in a C extension, a `kill -9`) then stops the
whole instance, and every tab on every worker loses its connection. Started through here,
the server starts the lost worker again (granian gives up on a crash loop: the same worker
dying again within a few seconds). The tabs that were on it reconnect to a worker that
lives and load their page again (with Redis any worker has their state); the tabs on the
other workers keep their connection and every live change (issue 15, docs/operations.md).

Usage is that of `reflex run`:  python -m helpdesk_app.serve run --env prod ...
"""

from __future__ import annotations

import granian.server


class RespawningServer(granian.server.Server):  # type: ignore[misc, valid-type]
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("respawn_failed_workers", True)
        super().__init__(*args, **kwargs)


def main() -> None:
    # reflex imports `granian.server.Server` only when it starts the backend
    granian.server.Server = RespawningServer
    from reflex.reflex import cli

    cli()


if __name__ == "__main__":
    main()
