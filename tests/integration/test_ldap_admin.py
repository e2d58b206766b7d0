"""Directory administration (issue 16): saving a directory (the bind password sealed and
never shown), "test connection", "test a login" with clear reasons, and the sync with its
dry run — against a real OpenLDAP server (tests/ldap_server.py)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import ldap_admin, ldap_sync, secrets_box
from helpdesk_app.domain.errors import Forbidden, FormInvalid
from helpdesk_app.domain.ldap_admin import DirectoryData
from helpdesk_app.domain.ldap_client import DirectoryError
from helpdesk_app.models import LdapDirectory, QueueMember, Role, User
from tests.ldap_server import (
    BIND_DN,
    BIND_PW,
    GROUPS,
    LIMITED_DN,
    PASSWORDS,
    PEOPLE,
    LdapServer,
    free_port,
)


def _form(server: LdapServer, world, **changes) -> DirectoryData:
    data = DirectoryData(
        name="Uczelnia", hosts=f"ldap://127.0.0.1:{server.port}\n", user_base=PEOPLE,
        security="starttls", ca_cert_pem=server.ca_pem, timeout_seconds=3, bind_dn=BIND_DN,
        bind_password=BIND_PW, user_filter="(objectClass=inetOrgPerson)", group_base=GROUPS,
        mappings=(f"cn=helpdesk-staff,{GROUPS} -> technician | queues: {world.queue.name}\n"
                  f"# the dean's office\n"
                  f"cn=dziekanat,{GROUPS} -> client | organisation: {world.org_a.name}\n"))
    for k, v in changes.items():
        setattr(data, k, v)
    return data


@pytest.fixture
def saved(db: Session, world, ldap_server, secrets_key) -> int:
    return ldap_admin.save_directory(db, world.actor("admin"), None, _form(ldap_server, world))


def test_the_bind_password_is_sealed_and_never_shown_again(db, world, saved) -> None:
    stored = db.get(LdapDirectory, saved)
    assert stored.bind_password_enc and BIND_PW not in stored.bind_password_enc
    assert secrets_box.open_sealed(stored.bind_password_enc) == BIND_PW
    assert stored.hosts == [f"127.0.0.1:{stored.hosts[0].split(':')[1]}"]  # scheme dropped
    assert stored.group_mappings[1]["organisation_id"] == world.org_a.id
    form = ldap_admin.form_of(db, world.actor("admin"), saved)
    assert form.bind_password is None and BIND_PW not in repr(form)
    view = ldap_admin.list_directories(db, world.actor("admin"))[0]
    assert view.has_password and BIND_PW not in repr(view)
    # saving again without typing it keeps it
    ldap_admin.save_directory(db, world.actor("admin"), saved, form)
    assert secrets_box.open_sealed(db.get(LdapDirectory, saved).bind_password_enc) == BIND_PW


def test_a_password_cannot_be_stored_without_a_key_from_the_environment(
        db, world, ldap_server, monkeypatch) -> None:
    monkeypatch.delenv("POMOCNIK_SECRETS_KEY", raising=False)
    get_settings.cache_clear()
    with pytest.raises(FormInvalid) as refused:
        ldap_admin.save_directory(db, world.actor("admin"), None, _form(ldap_server, world))
    assert refused.value.errors["bind_password"][0] == "secrets.no_key"
    assert db.exec(select(LdapDirectory)).all() == []


def test_every_bad_field_is_reported_next_to_it(db, world, ldap_server, secrets_key) -> None:
    bad = _form(ldap_server, world, hosts="  ", user_base="people", user_filter="(uid=x",
                login_attr="", timeout_seconds=0, ca_cert_pem="not a certificate",
                mappings=f"cn=x,{GROUPS} -> wizard\n")
    with pytest.raises(FormInvalid) as refused:
        ldap_admin.save_directory(db, world.actor("admin"), None, bad)
    assert {k: v[0] for k, v in refused.value.errors.items()} == {
        "hosts": "ldap.no_hosts", "user_base": "ldap.dn_invalid",
        "user_filter": "ldap.filter_invalid", "login_attr": "ldap.attribute_invalid",
        "timeout_seconds": "ldap.timeout_invalid", "ca_cert_pem": "ldap.ca_invalid",
        "mappings": "ldap.mapping_role"}
    unknown_queue = _form(ldap_server, world, mappings=f"cn=x,{GROUPS} -> technician | "
                                                       "queues: Nowhere")
    with pytest.raises(FormInvalid) as refused:
        ldap_admin.save_directory(db, world.actor("admin"), None, unknown_queue)
    assert refused.value.errors["mappings"] == ("ldap.mapping_queue",
                                                {"line": 1, "name": "Nowhere"})


def test_only_admins_manage_directories(db, world, saved) -> None:
    for who in ("coordinator", "technician", "client"):
        with pytest.raises(Forbidden):
            ldap_admin.list_directories(db, world.actor(who))
        with pytest.raises(Forbidden):
            ldap_sync.sync_directory(db, world.actor(who), saved, dry_run=True)


def test_connection_test_counts_the_people_or_says_what_failed(
        db, world, ldap_server, secrets_key) -> None:
    admin = world.actor("admin")
    assert ldap_admin.check_connection(db, admin, None, _form(ldap_server, world)) == 4
    cases = {
        "ldap.bind_refused": _form(ldap_server, world, bind_password="wrong"),
        "ldap.tls_failed": _form(ldap_server, world, ca_cert_pem=ldap_server.other_ca_pem),
        "ldap.cannot_connect": _form(ldap_server, world, hosts=f"127.0.0.1:{free_port()}"),
    }
    for key, form in cases.items():
        with pytest.raises(DirectoryError) as failed:
            ldap_admin.check_connection(db, admin, None, form)
        assert failed.value.key == key


def test_a_login_test_shows_who_it_is_and_what_they_would_be(db, world, saved) -> None:
    admin = world.actor("admin")
    form = ldap_admin.form_of(db, admin, saved)
    found = ldap_admin.check_login(db, admin, saved, form, "zwisniewska",
                                   PASSWORDS["zwisniewska"])
    assert (found.name, found.email, found.allowed, found.role, found.organisation) == (
        "Zofia Wiśniewska", "zofia.wisniewska@uczelnia.test", True, Role.CLIENT,
        world.org_a.name)
    assert found.groups == (f"cn=dziekanat,{GROUPS}".lower(),)
    outsider = ldap_admin.check_login(db, admin, saved, form, "ex-employee",
                                      PASSWORDS["ex-employee"])
    assert outsider.allowed is False
    for login, password, key in (("anowak", "wrong", "ldap.wrong_password"),
                                 ("nobody", "x", "ldap.user_not_found")):
        with pytest.raises(DirectoryError) as failed:
            ldap_admin.check_login(db, admin, saved, form, login, password)
        assert failed.value.key == key
    form.login_attr = "departmentNumber"  # two people share a department
    with pytest.raises(DirectoryError) as failed:
        ldap_admin.check_login(db, admin, saved, form, "Centrum Informatyczne", "x")
    assert failed.value.key == "ldap.ambiguous"
    assert db.exec(select(User).where(User.ldap_directory_id.is_not(None))).all() == []


def test_the_dry_run_reports_what_the_sync_then_does(db, world, saved, ldap_server) -> None:
    admin = world.actor("admin")
    preview = ldap_sync.sync_directory(db, admin, saved, dry_run=True)
    assert sorted(preview.created) == ["anna.nowak@uczelnia.test", "jan.kowalski@uczelnia.test",
                                       "zofia.wisniewska@uczelnia.test"]
    assert db.exec(select(User).where(User.ldap_directory_id == saved)).all() == []
    assert db.get(LdapDirectory, saved).last_sync_at is None

    done = ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    assert done.counts() == preview.counts()
    accounts = {u.ldap_login: u for u in db.exec(
        select(User).where(User.ldap_directory_id == saved)).all()}
    assert sorted(accounts) == ["anowak", "jkowalski", "zwisniewska"]
    assert db.exec(select(QueueMember.queue_id).where(
        QueueMember.user_id == accounts["anowak"].id)).all() == [world.queue.id]
    assert db.get(LdapDirectory, saved).last_sync_report["created"] == 3

    again = ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    assert again.counts() == {"created": 0, "updated": 0, "deactivated": 0, "skipped": 0,
                              "unchanged": 3}


def test_the_sync_deactivates_who_left_the_group_or_the_directory(
        db, world, saved, ldap_server) -> None:
    admin = world.actor("admin")
    ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    # (a groupOfNames needs a member: someone else takes her place)
    ldap_server.modify(f"dn: cn=dziekanat,{GROUPS}\nchangetype: modify\n"
                       f"replace: member\nmember: uid=ex-employee,{PEOPLE}\n")
    ldap_server.modify(f"dn: uid=anowak,{PEOPLE}\nchangetype: delete\n")
    try:
        report = ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    finally:
        ldap_server.modify(f"dn: cn=dziekanat,{GROUPS}\nchangetype: modify\n"
                           f"replace: member\nmember: uid=zwisniewska,{PEOPLE}\n")
        ldap_server.add(f"dn: uid=anowak,{PEOPLE}\nobjectClass: inetOrgPerson\nuid: anowak\n"
                        "cn: Anna Nowak\ngivenName: Anna\nsn: Nowak\n"
                        "mail: anna.nowak@uczelnia.test\ntelephoneNumber: +48 42 631 00 02\n"
                        f"departmentNumber: Centrum Informatyczne\n"
                        f"userPassword: {PASSWORDS['anowak']}\n")
    assert sorted(report.deactivated) == ["anna.nowak@uczelnia.test",
                                          "zofia.wisniewska@uczelnia.test"]
    assert report.created == ["ewa.byla@uczelnia.test"]  # she took the place in the group
    inactive = {u.ldap_login for u in db.exec(select(User).where(
        User.ldap_directory_id == saved, User.is_active.is_(False))).all()}
    assert inactive == {"anowak", "zwisniewska"}
    # back in the directory and the group: the next sync brings them back (and the one
    # who only stood in for her is out again)
    report = ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    assert sorted(report.updated) == ["anna.nowak@uczelnia.test (is_active)",
                                      "zofia.wisniewska@uczelnia.test (is_active)"]
    assert report.deactivated == ["ewa.byla@uczelnia.test"]


def test_an_unreachable_directory_changes_nobody(db, world, saved) -> None:
    admin = world.actor("admin")
    ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    d = db.get(LdapDirectory, saved)
    d.hosts = [f"127.0.0.1:{free_port()}"]
    db.add(d)
    db.commit()
    with pytest.raises(DirectoryError):
        ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    assert all(u.is_active for u in db.exec(select(User).where(
        User.ldap_directory_id == saved)).all())


def test_a_partial_answer_from_the_directory_deactivates_nobody(db, world, saved) -> None:
    admin = world.actor("admin")
    assert ldap_sync.sync_directory(db, admin, saved, dry_run=False).counts()["created"] == 3
    d = db.get(LdapDirectory, saved)
    d.bind_dn = LIMITED_DN  # this account's searches are cut after 2 entries
    db.add(d)
    db.commit()
    with pytest.raises(DirectoryError) as cut:
        ldap_sync.sync_directory(db, admin, saved, dry_run=False)
    assert cut.value.key == "ldap.incomplete"
    assert all(u.is_active for u in db.exec(select(User).where(
        User.ldap_directory_id == saved)).all())


def test_the_hourly_sync_runs_in_one_process_and_skips_an_unreachable_directory(
        db, world, saved, ldap_server, secrets_key, monkeypatch) -> None:
    from datetime import UTC, datetime

    from helpdesk_app.jobs.ldap_sync import LdapSyncScheduler

    monkeypatch.setenv("DATABASE_URL", str(db.get_bind().url.render_as_string(
        hide_password=False)))
    get_settings.cache_clear()
    down = ldap_admin.save_directory(db, world.actor("admin"), None, _form(
        ldap_server, world, name="Zapasowy", hosts=f"127.0.0.1:{free_port()}"))
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    leader, other = (LdapSyncScheduler(3600, owner=o) for o in ("w1", "w2"))
    reports = leader.tick(now)
    assert [r.directory for r in reports] == ["Uczelnia"]  # the unreachable one skipped
    assert reports[0].counts()["created"] == 3
    assert other.tick(now) is None  # not the leader
    db.expire_all()
    assert db.get(LdapDirectory, saved).last_sync_at is not None
    assert db.get(LdapDirectory, down).last_sync_at is None
