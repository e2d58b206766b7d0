"""Pickers: staff see the roster and client lists; clients get Forbidden."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from helpdesk_app.domain import directory
from helpdesk_app.domain.errors import Forbidden


def test_queues_lists_active_by_name(db: Session, world, make) -> None:
    make.queue("Archive", active=False)
    assert [o.label for o in directory.queues(db)] == ["Network", "Service Desk"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "technician"])
def test_staff_lists(db: Session, world, make, role: str) -> None:
    make.user(world.provider, "technician", name="Zed Gone", active=False)
    make.user(world.org_a, name="Zara Inactive Client", active=False)
    actor = world.actor(role)
    assert [o.label for o in directory.agents(db, actor)] == [
        "Ada Admin", "Cora Coordinator", "Tina Technician", "Tom Technician"]
    assert [o.label for o in directory.client_organisations(db, actor)] == ["Org A", "Org B"]
    assert [o.label for o in directory.client_users(db, actor)] == [
        "Carl Client (Org A)", "Colin Colleague (Org A)", "Mia Manager (Org A)",
        "Olga Other (Org B)"]


@pytest.mark.parametrize("role", ["client", "client-manager"])
@pytest.mark.parametrize("lookup", ["agents", "client_organisations", "client_users"])
def test_clients_cannot_read_rosters(db: Session, world, role: str, lookup: str) -> None:
    with pytest.raises(Forbidden):
        getattr(directory, lookup)(db, world.actor(role))
