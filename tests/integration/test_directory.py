"""Pickers: staff see the roster and client lists; clients get Forbidden."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from helpdesk_app.domain import directory
from helpdesk_app.domain.errors import Forbidden, FormInvalid


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
    # the requester picker: by name, active clients only
    assert [o.label for o in directory.find_clients(db, actor)] == [
        "Carl Client (Org A)", "Colin Colleague (Org A)", "Mia Manager (Org A)",
        "Olga Other (Org B)"]


@pytest.mark.parametrize("role", ["client", "client-manager"])
@pytest.mark.parametrize("lookup", ["agents", "client_organisations", "find_clients"])
def test_clients_cannot_read_rosters(db: Session, world, role: str, lookup: str) -> None:
    with pytest.raises(Forbidden):
        getattr(directory, lookup)(db, world.actor(role))


def test_requester_picker_finds_by_any_word_of_name_email_or_organisation(
        db: Session, world, make) -> None:
    make.user(world.org_b, name="Łukasz Żółkiewski", email="lz@northwind.example")
    actor = world.actor("technician")

    def found(text: str) -> list[str]:
        return [o.label for o in directory.find_clients(db, actor, text)]

    assert found("łukasz") == ["Łukasz Żółkiewski (Org B)"]  # Polish capitals folded
    assert found("ŻÓŁK") == ["Łukasz Żółkiewski (Org B)"]
    assert found("northwind") == ["Łukasz Żółkiewski (Org B)"]  # by e-mail
    assert found("org a mia") == ["Mia Manager (Org A)"]  # organisation + name
    assert found("100%") == [] and found("_") == []  # LIKE wildcards are literal
    assert len(directory.find_clients(db, actor, "", limit=2)) == 2


def test_new_contact_is_created_and_findable_and_bad_input_is_reported_per_field(
        db: Session, world) -> None:
    actor = world.actor("technician")
    with pytest.raises(FormInvalid) as bad:
        directory.create_contact(db, actor, " ", "not-an-address", world.provider.id)
    assert {k: key for k, (key, _p) in bad.value.errors.items()} == {
        "name": "contact.name_required", "email": "contact.email_invalid",
        "organisation": "contact.organisation_required"}
    with pytest.raises(FormInvalid) as taken:
        directory.create_contact(db, actor, "Carl Again", world.users["client"].email.upper(),
                                 world.org_a.id)
    assert list(taken.value.errors) == ["email"]
    assert taken.value.errors["email"][0] == "contact.email_taken"

    made = directory.create_contact(db, actor, "  Nina   Nowa ", "Nina@Org-A.example",
                                    world.org_a.id)
    assert made.label == "Nina Nowa (Org A)"
    assert [o.id for o in directory.find_clients(db, actor, "nina@org-a")] == [made.id]
    with pytest.raises(Forbidden):
        directory.create_contact(db, world.actor("client"), "X", "x@y.example", world.org_a.id)
