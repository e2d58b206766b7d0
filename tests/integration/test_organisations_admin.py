"""Organisations admin (domain/organisations_admin.py): create, edit, verified mail domains,
deactivation (its people are signed out and refused), deletion only without history."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import auth, organisations_admin
from helpdesk_app.domain.errors import Conflict, Forbidden, FormInvalid
from helpdesk_app.domain.organisations_admin import OrgInput
from helpdesk_app.mail.inbound.filters.sender import _verified_org
from helpdesk_app.models import Organisation, OrganisationDomain, OrgKind, UserSession


def _keys(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {field: key for field, (key, _params) in exc.value.errors.items()}


def _domains(db: Session, org_id: int) -> list[str]:
    return sorted(db.exec(select(OrganisationDomain.domain).where(
        OrganisationDomain.organisation_id == org_id)).all())


def test_admin_creates_a_client_with_several_domains_stored_lower_case(db, world):
    admin = world.actor("admin")
    org_id = organisations_admin.save_organisation(
        db, admin, OrgInput("  Acme   Sp. z o.o. ", OrgKind.CLIENT,
                            ["ACME.pl", "@acme-serwis.com.pl", "acme.pl"]))
    org = db.get(Organisation, org_id)
    assert (org.name, org.kind, org.is_active) == ("Acme Sp. z o.o.", "client", True)
    assert _domains(db, org_id) == ["acme-serwis.com.pl", "acme.pl"]
    row = organisations_admin.get_organisation(db, admin, org_id)
    assert row.domains == ("acme-serwis.com.pl", "acme.pl") and row.users == 0


def test_editing_replaces_the_domain_list_and_a_freed_domain_can_move(db, world, make):
    admin = world.actor("admin")
    make.domain(world.org_a, "org-a.test")
    make.domain(world.org_a, "old-a.test")
    organisations_admin.save_organisation(
        db, admin, OrgInput("Org A", OrgKind.CLIENT, ["org-a.test", "new-a.test"]),
        world.org_a.id)
    assert _domains(db, world.org_a.id) == ["new-a.test", "org-a.test"]
    organisations_admin.save_organisation(
        db, admin, OrgInput("Org B", OrgKind.CLIENT, ["old-a.test"]), world.org_b.id)
    assert _domains(db, world.org_b.id) == ["old-a.test"]


def test_a_domain_belongs_to_one_organisation_only(db, world, make):
    make.domain(world.org_a, "org-a.test")
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(
            db, world.actor("admin"), OrgInput("Org B", OrgKind.CLIENT, ["ORG-A.test"]),
            world.org_b.id)
    assert _keys(bad) == {"domains": "orgadmin.domain_taken"}
    assert bad.value.errors["domains"][1] == {"domain": "org-a.test", "organisation": "Org A"}
    assert _domains(db, world.org_b.id) == []


@pytest.mark.parametrize("domain", ["firma", "fir ma.pl", "-firma.pl", "firma-.pl", "a..pl",
                                    "jan@firma.pl", "firma.123", "ą.pl", "x" * 64 + ".pl"])
def test_domain_syntax_is_checked(db, world, domain):
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(
            db, world.actor("admin"), OrgInput("New", OrgKind.CLIENT, [domain]))
    assert _keys(bad) == {"domains": "orgadmin.domain_invalid"}
    assert db.exec(select(Organisation).where(Organisation.name == "New")).first() is None


def test_idn_in_its_ascii_form_and_subdomains_are_accepted():
    assert organisations_admin.clean_domain("xn--wgiel-3wa.pl") == "xn--wgiel-3wa.pl"
    assert organisations_admin.clean_domain("Mail.Firma.COM.pl.") == "mail.firma.com.pl"
    assert organisations_admin.parse_domains("a.pl, b.pl\nc.pl;  d.pl") == [
        "a.pl", "b.pl", "c.pl", "d.pl"]


def test_every_problem_of_the_form_is_reported_at_once(db, world):
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(
            db, world.actor("admin"), OrgInput("  ", "partner", ["nope"]))
    assert _keys(bad) == {"name": "orgadmin.name_required", "kind": "orgadmin.kind_invalid",
                          "domains": "orgadmin.domain_invalid"}


def test_names_are_unique_whatever_the_case(db, world):
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(
            db, world.actor("admin"), OrgInput("org a", OrgKind.CLIENT))
    assert _keys(bad) == {"name": "orgadmin.name_taken"}
    # renaming an organisation to its own name (another case) is fine
    organisations_admin.save_organisation(
        db, world.actor("admin"), OrgInput("ORG A", OrgKind.CLIENT), world.org_a.id)
    assert db.get(Organisation, world.org_a.id).name == "ORG A"


def test_the_provider_is_unique_and_keeps_its_kind(db, world):
    admin = world.actor("admin")
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(db, admin, OrgInput("Second", OrgKind.PROVIDER))
    assert _keys(bad) == {"kind": "orgadmin.provider_exists"}
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(
            db, admin, OrgInput("Provider", OrgKind.CLIENT), world.provider.id)
    assert _keys(bad) == {"kind": "orgadmin.provider_kind_fixed"}


def test_kind_cannot_change_while_the_organisation_has_people(db, world, make):
    admin = world.actor("admin")
    with pytest.raises(FormInvalid) as bad:
        organisations_admin.save_organisation(
            db, admin, OrgInput("Org A", OrgKind.SUBCONTRACTOR), world.org_a.id)
    assert _keys(bad) == {"kind": "orgadmin.kind_fixed_with_users"}
    empty = make.org("Empty")
    organisations_admin.save_organisation(
        db, admin, OrgInput("Empty", OrgKind.SUBCONTRACTOR), empty.id)
    assert db.get(Organisation, empty.id).kind == OrgKind.SUBCONTRACTOR


def test_deactivating_an_organisation_signs_its_people_out_and_refuses_them(
        db, world, password):
    admin = world.actor("admin")
    client, manager = world.users["client"], world.users["client-manager"]
    token, _ = auth.login(db, client.email, password)
    other_token, _ = auth.login(db, world.users["other-client"].email, password)
    organisations_admin.set_organisation_active(db, admin, world.org_a.id, False)
    assert auth.resolve_session(db, token) is None  # the open session ended at once
    assert db.exec(select(UserSession).where(UserSession.user_id == client.id,
                                             UserSession.revoked == False)).all() == []  # noqa: E712
    for person in (client, manager):
        with pytest.raises(auth.AuthFailed):
            auth.login(db, person.email, password)
    assert auth.resolve_session(db, other_token) is not None  # other organisations unaffected
    organisations_admin.set_organisation_active(db, admin, world.org_a.id, True)
    assert auth.login(db, client.email, password)[1].user_id == client.id


def test_the_provider_cannot_be_deactivated_or_deleted(db, world):
    admin = world.actor("admin")
    with pytest.raises(Conflict, match=r"orgadmin.provider_stays_active"):
        organisations_admin.set_organisation_active(db, admin, world.provider.id, False)
    with pytest.raises(Conflict, match=r"orgadmin.provider_stays_active"):
        organisations_admin.delete_organisation(db, admin, world.provider.id)
    assert db.get(Organisation, world.provider.id).is_active


def test_an_organisation_with_history_is_deactivated_never_deleted(db, world, make):
    admin = world.actor("admin")
    with pytest.raises(Conflict, match=r"orgadmin.has_history"):
        organisations_admin.delete_organisation(db, admin, world.org_a.id)
    ticketed = make.org("Ticketed")
    make.contract_24x7(ticketed.id)
    with pytest.raises(Conflict, match=r"orgadmin.has_history"):
        organisations_admin.delete_organisation(db, admin, ticketed.id)
    mistake = make.org("Typo Org")
    make.domain(mistake, "typo.test")
    organisations_admin.delete_organisation(db, admin, mistake.id)
    assert db.get(Organisation, mistake.id) is None and _domains(db, mistake.id) == []


def test_list_searches_name_and_domain_filters_and_pages(db, world, make):
    admin = world.actor("admin")
    make.domain(world.org_b, "northwind.example")
    sub = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    organisations_admin.set_organisation_active(db, admin, world.org_b.id, False)

    def names(text="", **kw) -> list[str]:
        return [r.name for r in organisations_admin.list_organisations(db, admin, text, **kw).rows]

    assert names() == ["Fixers", "Org A", "Org B", "Provider"]
    assert names("NORTHWIND") == ["Org B"]  # by verified domain
    assert names("org") == ["Org A", "Org B"]
    assert names("100%") == []  # LIKE wildcards are literal
    assert names(kind=OrgKind.SUBCONTRACTOR) == [sub.name]
    assert names(active=False) == ["Org B"]
    page = organisations_admin.list_organisations(db, admin, per_page=3, page=2)
    assert (page.total, page.pages, page.page, [r.name for r in page.rows]) == (
        4, 2, 2, ["Provider"])
    first = organisations_admin.list_organisations(db, admin, "org a").rows[0]
    assert first.users == 3 and first.is_active


@pytest.mark.parametrize("role", ["coordinator", "technician", "client", "client-manager"])
def test_only_admins_manage_organisations_and_nothing_changes(db, world, role):
    actor = world.actor(role)
    calls = [
        lambda: organisations_admin.list_organisations(db, actor),
        lambda: organisations_admin.get_organisation(db, actor, world.org_a.id),
        lambda: organisations_admin.all_organisations(db, actor),
        lambda: organisations_admin.save_organisation(db, actor, OrgInput("X", "client")),
        lambda: organisations_admin.save_organisation(
            db, actor, OrgInput("Hacked", "client", ["evil.test"]), world.org_a.id),
        lambda: organisations_admin.set_organisation_active(db, actor, world.org_a.id, False),
        lambda: organisations_admin.delete_organisation(db, actor, world.org_b.id),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    names = sorted(db.exec(select(Organisation.name)).all())
    assert names == ["Org A", "Org B", "Provider"]
    assert db.get(Organisation, world.org_a.id).is_active
    assert db.exec(select(OrganisationDomain)).all() == []


def test_mail_channel_trusts_any_verified_domain_of_an_active_client(db, world, make):
    make.domain(world.org_a, "org-a.test")
    make.domain(world.org_a, "org-a-group.test")
    make.domain(world.provider, "provider.test")
    assert _verified_org(db, "org-a-group.test").id == world.org_a.id
    assert _verified_org(db, "ORG-A.test").id == world.org_a.id
    assert _verified_org(db, "provider.test") is None  # not a client
    assert _verified_org(db, "unknown.test") is None
    organisations_admin.set_organisation_active(db, world.actor("admin"), world.org_a.id, False)
    assert _verified_org(db, "org-a.test") is None  # a deactivated client gets no new users
