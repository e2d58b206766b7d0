"""Directory sign-in (issue 16) against a real OpenLDAP server (tests/ldap_server.py):
just-in-time accounts, group mappings, failover, TLS, and the unhappy paths."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import auth, secrets_box, signin
from helpdesk_app.domain.errors import AuthFailed
from helpdesk_app.models import (
    AuditEvent,
    LdapDirectory,
    LdapSecurity,
    OrgKind,
    QueueMember,
    Role,
    SecurityPolicy,
    User,
)
from tests.ldap_server import (
    BIND_DN,
    BIND_PW,
    GROUPS,
    PASSWORDS,
    PEOPLE,
    LdapServer,
    free_port,
)

UNAVAILABLE = "auth.directory_unavailable"


@pytest.fixture
def directory(db: Session, world, ldap_server: LdapServer, secrets_key) -> LdapDirectory:
    """The university's directory: staff -> technician in the default queue, admins ->
    admin, the students' office -> clients of organisation A."""
    d = LdapDirectory(
        name="Uczelnia", hosts=[f"127.0.0.1:{ldap_server.port}"],
        security=LdapSecurity.STARTTLS, ca_cert_pem=ldap_server.ca_pem, timeout_seconds=3,
        bind_dn=BIND_DN, bind_password_enc=secrets_box.seal(BIND_PW), user_base=PEOPLE,
        user_filter="(objectClass=inetOrgPerson)", group_base=GROUPS,
        department_attr="departmentNumber",
        group_mappings=[
            {"group": f"cn=helpdesk-staff,{GROUPS}", "role": Role.TECHNICIAN,
             "queue_ids": [world.queue.id], "organisation_id": None},
            {"group": f"cn=helpdesk-admins,{GROUPS}", "role": Role.ADMIN, "queue_ids": [],
             "organisation_id": None},
            {"group": f"cn=dziekanat,{GROUPS}", "role": Role.CLIENT, "queue_ids": [],
             "organisation_id": world.org_a.id},
        ])
    db.add(d)
    db.commit()
    return d


def _sign_in(db: Session, login: str, password: str) -> User:
    return auth.check_password(db, login, password, address="192.0.2.7")


def _failures(db: Session) -> list[dict]:
    return [json.loads(e.details) for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "auth.sign_in.failed").order_by(AuditEvent.id)).all()]


def test_a_directory_person_signs_in_with_their_directory_password_and_gets_an_account(
        db, world, directory) -> None:
    user = _sign_in(db, "jkowalski", PASSWORDS["jkowalski"])
    db.commit()
    assert user.email == "jan.kowalski@uczelnia.test"  # folded to lower case
    assert (user.full_name, user.phone, user.department) == (
        "Jan Kowalski", "+48 42 631 00 01", "Centrum Informatyczne")
    # in the staff and the admins group: the higher role; staff live in the provider
    assert user.role == Role.ADMIN and user.organisation_id == world.provider.id
    assert world.provider.kind == OrgKind.PROVIDER
    assert (user.ldap_directory_id, user.ldap_login) == (directory.id, "jkowalski")
    assert user.password_hash == auth.NO_PASSWORD  # the directory password is never kept
    # the same person by e-mail, and no second account
    again = _sign_in(db, "Jan.Kowalski@uczelnia.test", PASSWORDS["jkowalski"])
    assert again.id == user.id
    assert len(db.exec(select(User).where(User.ldap_login == "jkowalski")).all()) == 1


def test_the_account_follows_the_directory_at_each_sign_in(db, world, directory,
                                                           ldap_server) -> None:
    user = _sign_in(db, "anowak", PASSWORDS["anowak"])
    db.commit()
    assert user.role == Role.TECHNICIAN
    assert db.exec(select(QueueMember.queue_id).where(QueueMember.user_id == user.id)
                   ).all() == [world.queue.id]
    ldap_server.modify(f"dn: uid=anowak,{PEOPLE}\nchangetype: modify\nreplace: sn\n"
                       "sn: Nowak-Zielińska\n-\nreplace: telephoneNumber\n"
                       "telephoneNumber: +48 42 631 99 99\n")
    try:
        user = _sign_in(db, "anowak", PASSWORDS["anowak"])
        assert (user.full_name, user.phone) == ("Anna Nowak-Zielińska", "+48 42 631 99 99")
    finally:
        ldap_server.modify(f"dn: uid=anowak,{PEOPLE}\nchangetype: modify\nreplace: sn\n"
                           "sn: Nowak\n-\nreplace: telephoneNumber\n"
                           "telephoneNumber: +48 42 631 00 02\n")


def test_a_client_of_the_mapped_organisation_signs_in(db, world, directory) -> None:
    user = _sign_in(db, "zofia.wisniewska@uczelnia.test", PASSWORDS["zwisniewska"])
    assert (user.role, user.organisation_id) == (Role.CLIENT, world.org_a.id)
    assert user.full_name == "Zofia Wiśniewska"


def test_a_wrong_directory_password_is_refused_audited_and_creates_nothing(
        db, world, directory) -> None:
    with pytest.raises(AuthFailed) as refused:
        _sign_in(db, "jkowalski", "not-the-password")
    assert refused.value.key == "auth.invalid_credentials"
    assert db.exec(select(User).where(User.ldap_login == "jkowalski")).first() is None
    assert _failures(db)[-1] == {"reason": "bad_credentials", "source": "ldap"}
    with pytest.raises(AuthFailed):
        _sign_in(db, "jkowalski", "")  # an empty password would be an anonymous bind


def test_someone_in_no_mapped_group_cannot_sign_in(db, world, directory) -> None:
    with pytest.raises(AuthFailed):
        _sign_in(db, "ex-employee", PASSWORDS["ex-employee"])
    assert db.exec(select(User).where(User.email == "ewa.byla@uczelnia.test")).first() is None


def test_moved_out_of_the_mapped_group_the_account_is_disabled_at_the_next_sign_in(
        db, world, directory, ldap_server) -> None:
    user = _sign_in(db, "anowak", PASSWORDS["anowak"])
    db.commit()
    ldap_server.modify(f"dn: cn=helpdesk-staff,{GROUPS}\nchangetype: modify\n"
                       f"delete: member\nmember: uid=anowak,{PEOPLE}\n")
    try:
        with pytest.raises(AuthFailed):
            _sign_in(db, "anowak", PASSWORDS["anowak"])
        db.refresh(user)
        assert user.is_active is False
        deactivated = db.exec(select(AuditEvent).where(
            AuditEvent.action == "user.deactivated")).one()
        assert json.loads(deactivated.details)["reason"] == "not in a mapped group"
    finally:
        ldap_server.modify(f"dn: cn=helpdesk-staff,{GROUPS}\nchangetype: modify\n"
                           f"add: member\nmember: uid=anowak,{PEOPLE}\n")
    # back in the group: the next sign-in lets them in again
    assert _sign_in(db, "anowak", PASSWORDS["anowak"]).is_active is True


def test_a_dead_server_fails_over_to_the_next(db, world, directory, ldap_server) -> None:
    directory.hosts = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{ldap_server.port}"]
    db.add(directory)
    db.commit()
    assert _sign_in(db, "anowak", PASSWORDS["anowak"]).ldap_login == "anowak"


def test_with_every_server_down_directory_people_get_a_clear_message_and_admins_still_sign_in(
        db, world, directory, password) -> None:
    user = _sign_in(db, "anowak", PASSWORDS["anowak"])
    db.commit()
    directory.hosts = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    db.add(directory)
    db.commit()
    for login in ("anowak", "jkowalski"):  # known account, and a first sign-in
        with pytest.raises(AuthFailed) as down:
            _sign_in(db, login, PASSWORDS[login])
        assert down.value.key == UNAVAILABLE
    assert _failures(db)[-1] == {"reason": "directory_unavailable", "source": "ldap"}
    db.refresh(user)
    assert user.is_active  # an outage disables nobody
    admin = world.users["admin"]
    assert _sign_in(db, admin.email, password).id == admin.id  # local accounts unaffected


def test_a_certificate_from_another_ca_is_refused(db, world, directory, ldap_server) -> None:
    directory.ca_cert_pem = ldap_server.other_ca_pem
    db.add(directory)
    db.commit()
    with pytest.raises(AuthFailed) as refused:
        _sign_in(db, "anowak", PASSWORDS["anowak"])
    assert refused.value.key == UNAVAILABLE


def test_ldaps_from_the_first_byte_works_too(db, world, directory, ldap_server) -> None:
    directory.security = LdapSecurity.LDAPS
    directory.hosts = [f"127.0.0.1:{ldap_server.tls_port}"]
    db.add(directory)
    db.commit()
    assert _sign_in(db, "anowak", PASSWORDS["anowak"]).role == Role.TECHNICIAN


def test_two_factor_sign_in_applies_to_directory_people(db, world, directory) -> None:
    db.add(SecurityPolicy(role=Role.TECHNICIAN, require_2fa=True))
    db.commit()
    outcome = signin.sign_in(db, "anowak", PASSWORDS["anowak"], signin.Client("192.0.2.8"))
    assert outcome.must_enrol and outcome.pending and not outcome.claim


def test_an_unreachable_directory_is_not_counted_as_the_persons_failure(
        db, world, directory) -> None:
    directory.hosts = [f"127.0.0.1:{free_port()}"]
    db.add(directory)
    db.commit()
    with pytest.raises(AuthFailed) as down:
        signin.sign_in(db, "anowak", PASSWORDS["anowak"], signin.Client("192.0.2.9"))
    assert down.value.key == UNAVAILABLE
