"""The account and access changes write their audit entries (issue 12): users,
organisations, queues, custom roles, invitations, password resets, the user's own security
page, second factors and the sign-in security settings. Each entry names the acting
person, the thing changed and what changed; none carries a password, code or secret."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
from signin_support import LAPTOP, mail_text, mails
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import (
    auth,
    custom_roles,
    invitations,
    login_alerts,
    my_security,
    organisations_admin,
    password_reset,
    permissions,
    queues_admin,
    signin,
    throttle,
    two_factor,
    users_admin,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import AuthFailed, Conflict, Invalid
from helpdesk_app.models import AuditEvent, OrgKind, Role

NEW_PASSWORD = "zielona-herbata-o-pomocy"


def entries(db: Session, prefix: str = "") -> list[AuditEvent]:
    db.expire_all()
    rows = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [e for e in rows if e.action.startswith(prefix)]


def only(db: Session, action: str) -> tuple[AuditEvent, dict]:
    rows = [e for e in entries(db) if e.action == action]
    assert len(rows) == 1, [e.action for e in entries(db)]
    return rows[0], json.loads(rows[0].details)


def target(e: AuditEvent) -> tuple[str | None, str | None, str]:
    return e.target_type, e.target_id, e.target_label


def everything(db: Session) -> str:
    """Every stored text of every entry, to look for secrets in."""
    return " ".join(f"{e.actor_label} {e.target_label} {e.details}" for e in entries(db))


def label(actor: Actor) -> str:
    return f"{actor.full_name} <{actor.email}>"


def link_token(db: Session, kind: str, to: str, path: str) -> str:
    found = re.search(re.escape(get_settings().base_url + path) + r"([A-Za-z0-9_\-]+)",
                      mail_text(mails(db, kind, to)[-1]))
    assert found
    return found.group(1)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    throttle.reset()
    yield
    throttle.reset()


# --------------------------------------------------------------------------- users


def _user_input(org_id: int, **kw) -> users_admin.UserInput:
    base = {"full_name": "Łucja Żak", "email": "lucja@org-a.test", "role": Role.CLIENT,
            "organisation_id": org_id, "language": "pl", "timezone": "Europe/Warsaw"}
    return users_admin.UserInput(**(base | kw))


def test_user_created_changed_role_changed_deactivated_and_reactivated(db, world, password):
    admin = world.actor("admin")
    uid = users_admin.create_user(db, admin, _user_input(world.provider.id,
                                                         role=Role.TECHNICIAN))
    row, details = only(db, "user.created")
    assert (row.actor_id, row.actor_label) == (admin.user_id, label(admin))
    assert target(row) == ("user", str(uid), "lucja@org-a.test")
    assert details["email"] == [None, "lucja@org-a.test"]
    assert details["role"] == [None, "technician"]
    assert not any("password" in k or "hash" in k for k in details)

    users_admin.update_user(db, admin, uid, _user_input(world.provider.id, role=Role.TECHNICIAN,
                                                        full_name="Łucja Nowak"))
    assert only(db, "user.updated")[1] == {"full_name": ["Łucja Żak", "Łucja Nowak"]}
    assert not entries(db, "user.role_changed")  # the role stayed

    users_admin.update_user(db, admin, uid, _user_input(world.provider.id, role=Role.COORDINATOR,
                                                        full_name="Łucja Nowak"))
    row, details = only(db, "user.role_changed")
    assert (row.actor_id, target(row)) == (admin.user_id, ("user", str(uid), "lucja@org-a.test"))
    assert details == {"role": ["technician", "coordinator"]}
    assert len(entries(db, "user.updated")) == 2
    # unchanged: nothing new
    users_admin.update_user(db, admin, uid, _user_input(world.provider.id, role=Role.COORDINATOR,
                                                        full_name="Łucja Nowak"))
    assert len(entries(db, "user.")) == 4

    tech = world.users["technician"]
    auth.login(db, tech.email, password)
    users_admin.set_user_active(db, admin, tech.id, False)
    row, details = only(db, "user.deactivated")
    assert (row.actor_id, target(row)) == (admin.user_id, ("user", str(tech.id), tech.email))
    assert details == {"is_active": [True, False], "sessions_ended": 1}
    users_admin.set_user_active(db, admin, tech.id, False)  # already: no second entry
    users_admin.set_user_active(db, admin, tech.id, True)
    assert only(db, "user.reactivated")[1] == {"is_active": [False, True]}
    assert len(entries(db, "user.deactivated")) == 1

    with pytest.raises(Conflict):  # refused: nothing logged
        users_admin.set_user_active(db, admin, admin.user_id, False)
    assert len(entries(db, "user.")) == 6


# --------------------------------------------------------------------------- organisations


def test_organisation_created_changed_deactivated_reactivated_and_deleted(db, world):
    admin = world.actor("admin")
    oid = organisations_admin.save_organisation(
        db, admin, organisations_admin.OrgInput("Wodociągi", OrgKind.CLIENT, ["wod.test"]))
    row, details = only(db, "organisation.created")
    assert (row.actor_id, target(row)) == (admin.user_id, ("organisation", str(oid),
                                                           "Wodociągi"))
    assert details["name"] == [None, "Wodociągi"] and details["domains"] == [None, ["wod.test"]]

    organisations_admin.save_organisation(
        db, admin, organisations_admin.OrgInput("Wodociągi SA", OrgKind.CLIENT,
                                                ["wod.test", "wod.pl"]), oid)
    assert only(db, "organisation.updated")[1] == {
        "name": ["Wodociągi", "Wodociągi SA"], "domains": [["wod.test"], ["wod.pl", "wod.test"]]}

    organisations_admin.set_organisation_active(db, admin, oid, False)
    row, details = only(db, "organisation.deactivated")
    assert target(row) == ("organisation", str(oid), "Wodociągi SA")
    assert details == {"is_active": [True, False]}
    organisations_admin.set_organisation_active(db, admin, oid, True)
    assert only(db, "organisation.reactivated")[1] == {"is_active": [False, True]}

    organisations_admin.delete_organisation(db, admin, oid)
    row, details = only(db, "organisation.deleted")
    assert (row.actor_id, target(row)) == (admin.user_id, ("organisation", str(oid),
                                                           "Wodociągi SA"))
    assert details["name"] == ["Wodociągi SA", None]

    with pytest.raises(Conflict):  # has history: refused, nothing logged
        organisations_admin.delete_organisation(db, admin, world.org_a.id)
    assert len(entries(db, "organisation.")) == 5


def test_deactivating_an_organisation_counts_the_sessions_it_ended(db, world, password):
    auth.login(db, world.users["client"].email, password)
    auth.login(db, world.users["colleague"].email, password)
    organisations_admin.set_organisation_active(db, world.actor("admin"), world.org_a.id, False)
    assert only(db, "organisation.deactivated")[1] == {"is_active": [True, False],
                                                       "sessions_ended": 2}


# --------------------------------------------------------------------------- queues


def test_queue_created_changed_moved_deactivated_and_members_changed(db, world):
    admin = world.actor("admin")
    qid = queues_admin.save_queue(db, admin, None, name="Drukarki", description="")
    row, details = only(db, "queue.created")
    assert (row.actor_id, target(row)) == (admin.user_id, ("queue", str(qid), "Drukarki"))
    assert details["name"] == [None, "Drukarki"]

    queues_admin.save_queue(db, admin, qid, name="Drukarki", description="Tonery też")
    assert only(db, "queue.updated")[1] == {"description": ["", "Tonery też"]}
    queues_admin.save_queue(db, admin, qid, name="Drukarki", description="Tonery też")
    assert len(entries(db, "queue.updated")) == 1  # unchanged: nothing new

    queues_admin.move_queue(db, admin, qid, -1)  # third place -> second
    moved = entries(db, "queue.updated")[-1]
    assert target(moved) == ("queue", str(qid), "Drukarki")
    assert json.loads(moved.details) == {"position": [3, 2]}
    first = queues_admin.list_queues(db, admin)[0].id
    queues_admin.move_queue(db, admin, first, -1)  # first already: nothing moves
    assert len(entries(db, "queue.updated")) == 2

    queues_admin.set_active(db, admin, qid, False)
    off = entries(db, "queue.updated")[-1]
    assert (target(off), json.loads(off.details)) == (("queue", str(qid), "Drukarki"),
                                                      {"is_active": [True, False]})

    tech = world.users["technician"]
    queues_admin.add_member(db, admin, qid, tech.id)
    queues_admin.add_member(db, admin, qid, tech.id)  # again: nothing happens, nothing logged
    queues_admin.remove_member(db, admin, qid, tech.id)
    added, removed = entries(db, "queue.members_changed")
    assert (added.actor_id, target(added)) == (admin.user_id, ("queue", str(qid), "Drukarki"))
    assert json.loads(added.details) == {"added": [tech.email]}
    assert json.loads(removed.details) == {"removed": [tech.email]}
    with pytest.raises(Invalid):  # a client is never a member
        queues_admin.add_member(db, admin, qid, world.users["client"].id)
    assert len(entries(db, "queue.")) == 6


# --------------------------------------------------------------------------- custom roles


def test_custom_role_created_changed_permissions_assigned_and_deleted(db, world):
    admin = world.actor("admin")
    base = sorted(permissions.BUILTIN[Role.TECHNICIAN])
    rid = custom_roles.save_role(db, admin, None, name="Serwisant", base_role=Role.TECHNICIAN,
                                 granted=base, limit_to_queues=False, queue_ids=[])
    row, details = only(db, "role.created")
    assert (row.actor_id, target(row)) == (admin.user_id, ("role", str(rid), "Serwisant"))
    assert details["base_role"] == [None, "technician"]
    assert sorted(details["permissions"][1]) == base

    tech = world.users["technician"]
    custom_roles.assign(db, admin, tech.id, rid)
    row, details = only(db, "user.role_changed")
    assert (row.actor_id, target(row)) == (admin.user_id, ("user", str(tech.id), tech.email))
    assert details == {"custom_role": [None, "Serwisant"]}

    extra = next(p for p in permissions.PERMISSIONS if p not in base)
    dropped = base[0]
    granted = [p for p in base if p != dropped] + [extra]
    custom_roles.save_role(db, admin, rid, name="Serwisant+", base_role=Role.COORDINATOR,
                           granted=granted, limit_to_queues=True, queue_ids=[world.queue.id])
    assert only(db, "role.updated")[1] == {
        "name": ["Serwisant", "Serwisant+"], "base_role": ["technician", "coordinator"],
        "limit_to_queues": [False, True], "queue_ids": [[], [world.queue.id]],
        "members_moved": 1}
    row, details = only(db, "role.permissions_changed")
    assert target(row) == ("role", str(rid), "Serwisant+")
    assert details == {"added": [extra], "removed": [dropped]}
    # the same permissions again: no permission entry
    custom_roles.save_role(db, admin, rid, name="Serwisant+", base_role=Role.COORDINATOR,
                           granted=granted, limit_to_queues=True, queue_ids=[world.queue.id])
    assert len(entries(db, "role.")) == 3

    custom_roles.delete_role(db, admin, rid)
    row, details = only(db, "role.deleted")
    assert (row.actor_id, target(row)) == (admin.user_id, ("role", str(rid), "Serwisant+"))
    assert details["name"] == ["Serwisant+", None] and details["members"] == 1

    custom_roles.assign(db, admin, world.users["technician2"].id, None)  # had none: nothing
    assert len(entries(db, "user.role_changed")) == 1


# --------------------------------------------------------------------------- invitations


def test_invitation_sent_and_accepted(db, world, make):
    admin = world.actor("admin")
    new = make.user(world.org_a, Role.CLIENT, email="nowa@org-a.test")
    invitations.send_invitation(db, admin, new.id)
    row, details = only(db, "user.invited")
    assert (row.actor_id, row.actor_label) == (admin.user_id, label(admin))
    assert (target(row), details) == (("user", str(new.id), "nowa@org-a.test"), {})

    token = link_token(db, "invitation", new.email, "/invite/")
    invitations.accept(db, token, NEW_PASSWORD, NEW_PASSWORD)
    row, _ = only(db, "user.invitation_accepted")
    assert (row.actor_id, row.actor_label) == (new.id, f"{new.full_name} <{new.email}>")
    assert target(row) == ("user", str(new.id), "nowa@org-a.test")
    with pytest.raises(Invalid):  # used: refused, nothing logged
        invitations.accept(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert len(entries(db, "user.invitation")) == 1
    assert token not in everything(db) and NEW_PASSWORD not in everything(db)


# --------------------------------------------------------------------------- password reset


def test_reset_request_logs_only_an_existing_account_and_never_the_link(db, world, password):
    user = world.users["client"]
    password_reset.request_reset(db, "ghost@nowhere.test")
    password_reset.request_reset(db, "not-an-address")
    assert entries(db) == []  # an unknown address leaves no trace

    auth.login(db, user.email, password)
    password_reset.request_reset(db, "  " + user.email.upper())
    row, details = only(db, "auth.password.reset_requested")
    assert (row.actor_id, row.actor_label) == (None, user.email)
    assert (target(row), details) == (("user", str(user.id), user.email), {})

    token = link_token(db, "password_reset", user.email, "/reset/")
    password_reset.complete(db, token, NEW_PASSWORD, NEW_PASSWORD)
    row, details = only(db, "auth.password.reset")
    assert (row.actor_id, target(row)) == (user.id, ("user", str(user.id), user.email))
    assert details == {"sessions_ended": 1}
    assert token not in everything(db) and NEW_PASSWORD not in everything(db)


def test_reset_request_for_a_deactivated_account_logs_nothing(db, make, world):
    gone = make.user(world.org_a, Role.CLIENT, active=False)
    password_reset.request_reset(db, gone.email)
    assert entries(db) == []


# --------------------------------------------------------------------------- own security


def test_password_change_and_ended_sessions(db, world, password):
    user = world.users["technician"]
    me = world.actor("technician")
    keep, _ = auth.login(db, user.email, password)
    auth.login(db, user.email, password)
    auth.login(db, user.email, password)
    my_security.change_password(db, me, password, NEW_PASSWORD, NEW_PASSWORD, keep_token=keep)
    row, details = only(db, "auth.password.changed")
    assert (row.actor_id, target(row)) == (user.id, ("user", str(user.id), user.email))
    assert details == {"sessions_ended": 2}

    auth.login(db, user.email, NEW_PASSWORD)
    other = my_security.list_sessions(db, me, keep)
    [one] = [s for s in other if not s.current]
    my_security.end_session(db, me, one.id)
    auth.login(db, user.email, NEW_PASSWORD)
    auth.login(db, user.email, NEW_PASSWORD)
    assert my_security.end_other_sessions(db, me, keep) == 2
    single, others = entries(db, "auth.sessions.ended")
    assert (single.actor_id, target(single)) == (user.id, ("user", str(user.id), user.email))
    assert json.loads(single.details) == {"count": 1}
    assert json.loads(others.details) == {"count": 2, "others": True}
    assert NEW_PASSWORD not in everything(db) and password not in everything(db)


# --------------------------------------------------------------------------- second factors


def test_second_factors_enabled_disabled_regenerated_and_reset_without_secrets(
        db, world, password):
    user = world.users["technician"]
    me = world.actor("technician")
    enrolment = two_factor.start_totp(db, me, password)
    code = pyotp.TOTP(enrolment.secret).now()
    recovery = two_factor.confirm_totp(db, me, code)
    row, details = only(db, "auth.two_factor.enabled")
    assert (row.actor_id, target(row), details) == (user.id, ("user", str(user.id), user.email),
                                                    {"factor": "totp"})

    two_factor.enable_email(db, me, password)
    two_factor.enable_email(db, me, password)  # already on: no second entry
    assert [json.loads(e.details) for e in entries(db, "auth.two_factor.enabled")] == [
        {"factor": "totp"}, {"factor": "email"}]

    fresh = two_factor.regenerate_recovery_codes(db, me, password)
    row, details = only(db, "auth.two_factor.recovery_regenerated")
    assert (row.actor_id, target(row), details) == (user.id, ("user", str(user.id), user.email),
                                                    {})

    two_factor.disable_factor(db, me, password, "email")
    two_factor.disable_factor(db, me, password, "email")  # already off: nothing
    row, details = only(db, "auth.two_factor.disabled")
    assert (row.actor_id, details) == (user.id, {"factor": "email"})

    admin = world.actor("admin")
    auth.login(db, user.email, password)
    two_factor.admin_reset_factors(db, admin, user.email)
    row, details = only(db, "auth.two_factor.reset")
    assert (row.actor_id, row.actor_label) == (admin.user_id, label(admin))
    assert target(row) == ("user", str(user.id), user.email)
    assert details == {"factors": ["totp"], "sessions_ended": 1}

    logged = everything(db)
    for secret in (enrolment.secret, code, *recovery, *fresh):
        assert secret not in logged
    assert "secret" not in logged and "code" not in logged


def test_two_factor_requirement_and_login_alert_subscription(db, world):
    admin = world.actor("admin")
    two_factor.set_role_required(db, admin, Role.TECHNICIAN, True)
    two_factor.set_role_required(db, admin, Role.TECHNICIAN, True)  # unchanged: nothing
    row, details = only(db, "config.security.two_factor_required.updated")
    assert (row.actor_id, target(row)) == (admin.user_id, ("security_policy", "technician",
                                                           "technician"))
    assert details == {"role": "technician", "required": [False, True]}

    login_alerts.set_admin_subscription(db, admin, True)
    login_alerts.set_admin_subscription(db, admin, True)  # unchanged: nothing
    login_alerts.set_admin_subscription(db, admin, False)
    on, off = entries(db, "config.security.login_alerts")
    assert (on.actor_id, target(on)) == (admin.user_id, ("user", str(admin.user_id),
                                                         admin.email))
    assert json.loads(on.details) == {"subscribed": [False, True]}
    assert json.loads(off.details) == {"subscribed": [True, False]}
    assert len(entries(db, "config.security")) == 3


# --------------------------------------------------------------------------- sign-in


def test_a_wrong_second_factor_is_a_failed_sign_in_and_a_wrong_password_is_logged_once(
        db, world, password):
    user = world.users["technician"]
    secret = two_factor.start_totp(db, Actor.from_user(user), password).secret
    two_factor.confirm_totp(db, Actor.from_user(user), pyotp.TOTP(secret).now())

    with pytest.raises(AuthFailed):
        signin.sign_in(db, user.email, "wrong-password-123", LAPTOP)
    row, details = only(db, "auth.sign_in.failed")
    assert details == {"reason": "bad_credentials"}  # auth.check_password's own entry

    out = signin.sign_in(db, user.email, password, LAPTOP)
    with pytest.raises(Invalid):
        signin.second_step(db, out.pending, "totp", "000000", LAPTOP)
    failed = entries(db, "auth.sign_in.failed")
    assert len(failed) == 2
    row = failed[-1]
    assert (row.actor_id, row.actor_label, row.address) == (None, user.email, LAPTOP.ip)
    assert target(row) == ("user", str(user.id), user.email)
    assert json.loads(row.details) == {"step": "second_factor"}
    assert "000000" not in everything(db)


def test_forced_enrolment_at_sign_in_turns_the_factor_on(db, world, password):
    user = world.users["technician"]
    two_factor.set_role_required(db, world.actor("admin"), Role.TECHNICIAN, True)
    out = signin.sign_in(db, user.email, password, LAPTOP)
    secret = signin.enrolment(db, out.pending).secret
    code = pyotp.TOTP(secret).now()
    done = signin.finish_enrolment(db, out.pending, code, LAPTOP)
    row, details = only(db, "auth.two_factor.enabled")
    assert (row.actor_id, row.address, details) == (user.id, LAPTOP.ip, {"factor": "totp"})
    assert target(row) == ("user", str(user.id), user.email)
    logged = everything(db)
    assert secret not in logged and code not in logged
    assert not any(c in logged for c in done.recovery_codes)
