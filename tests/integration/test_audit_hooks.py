"""Every audited action writes exactly one meaningful entry (what changed, old -> new);
a refused or rolled-back change writes none; secrets never reach the log."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth, checklists, contracts, fields, mail_admin, workflow
from helpdesk_app.domain.errors import AuthFailed, FormInvalid, Invalid
from helpdesk_app.mail.inbound import admin_actions
from helpdesk_app.models import AuditEvent, BusinessCalendar, InboundStatus, OutboundMail
from tests.mail_support import Room, message


def entries(db) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).order_by(AuditEvent.id)).all())


def only(db, action: str) -> tuple[AuditEvent, dict]:
    rows = [e for e in entries(db) if e.action == action]
    assert len(rows) == 1, [e.action for e in entries(db)]
    return rows[0], json.loads(rows[0].details)


def _contract_input(world, cal_id: int, **kw) -> contracts.ContractInput:
    return contracts.ContractInput(organisation_id=world.org_a.id, name=kw.pop("name", "Umowa A"),
                                   valid_from=date(2026, 1, 1), calendar_id=cal_id, **kw)


@pytest.fixture
def calendar(db) -> BusinessCalendar:
    cal = BusinessCalendar(name="24/7", always_open=True, holiday_country=None)
    db.add(cal)
    db.commit()
    return cal


# --------------------------------------------------------------------------- sign-in


def test_sign_in_success_failure_and_sign_out_are_logged_without_the_password(
        db, world, password):
    user = world.users["technician"]
    token, _ = auth.login(db, user.email, password, address="203.0.113.7")
    with pytest.raises(AuthFailed):
        auth.login(db, user.email, "wrong-password-123", address="203.0.113.8")
    with pytest.raises(AuthFailed):
        auth.login(db, "nobody@example.test", "whatever-pass")
    auth.logout(db, token, address="203.0.113.7")

    assert [e.action for e in entries(db)] == [
        "auth.sign_in.succeeded", "auth.sign_in.failed", "auth.sign_in.failed", "auth.sign_out"]
    ok, failed, unknown, out = entries(db)
    assert (ok.actor_id, ok.target_id, ok.address) == (user.id, str(user.id), "203.0.113.7")
    assert (failed.actor_id, failed.actor_label, failed.target_id) == (
        None, user.email, str(user.id))
    assert json.loads(failed.details) == {"reason": "bad_credentials"}
    assert (unknown.actor_label, unknown.target_id) == ("nobody@example.test", None)
    assert out.actor_id == user.id
    everything = " ".join(e.details + e.actor_label + e.target_label for e in entries(db))
    assert "wrong-password" not in everything and password not in everything


def test_a_deactivated_account_signing_in_is_logged_as_inactive(db, world, make, password):
    gone = make.user(world.provider, "technician", active=False)
    with pytest.raises(AuthFailed):
        auth.login(db, gone.email, password)
    assert only(db, "auth.sign_in.failed")[1] == {"reason": "inactive"}


# --------------------------------------------------------------------------- SLA


def test_contract_created_then_changed_records_what_changed(db, world, calendar):
    admin = world.actor("admin")
    cid = contracts.save_contract(db, admin, _contract_input(world, calendar.id))
    created, details = only(db, "config.sla.contract.created")
    assert (created.target_type, created.target_id, created.target_label) == (
        "contract", str(cid), "Umowa A")
    assert details["name"] == [None, "Umowa A"]
    assert created.actor_label == f"{admin.full_name} <{admin.email}>"

    contracts.save_contract(db, admin, _contract_input(world, calendar.id, name="Umowa A+",
                                                       valid_to=date(2027, 12, 31)), cid)
    _row, details = only(db, "config.sla.contract.updated")
    assert details == {"name": ["Umowa A", "Umowa A+"], "valid_to": [None, "2027-12-31"]}


def test_saving_a_contract_unchanged_or_refused_writes_nothing(db, world, calendar):
    admin = world.actor("admin")
    cid = contracts.save_contract(db, admin, _contract_input(world, calendar.id))
    contracts.save_contract(db, admin, _contract_input(world, calendar.id), cid)
    with pytest.raises(FormInvalid):
        contracts.save_contract(db, admin, _contract_input(world, calendar.id, name=" "), cid)
    assert [e.action for e in entries(db)] == ["config.sla.contract.created"]


def test_calendar_and_ticket_type_targets_record_old_and_new(db, world, calendar):
    admin = world.actor("admin")
    data = contracts.CalendarInput(name="Biuro", windows=contracts.parse_windows(
        {0: "8:00-16:00"}), holiday_country="PL")
    cal_id = contracts.save_calendar(db, admin, data)
    data.windows = contracts.parse_windows({0: "9:00-17:00"})
    contracts.save_calendar(db, admin, data, cal_id)
    _row, details = only(db, "config.sla.calendar.updated")
    assert details == {"windows": [["0 8:00-16:00"], ["0 9:00-17:00"]]}

    cid = contracts.save_contract(db, admin, _contract_input(world, calendar.id))
    tt = contracts.TicketTypeInput(contract_id=cid, name_pl="Awaria", name_en="Failure",
                                   reaction_minutes=60, resolution_minutes=240)
    type_id = contracts.save_ticket_type(db, admin, tt)
    tt.resolution_minutes, tt.per_priority = 480, {1: (30, 120)}
    contracts.save_ticket_type(db, admin, tt, type_id)
    _row, details = only(db, "config.sla.ticket_type.updated")
    assert details == {"resolution_minutes": [240, 480], "per_priority": [{}, {"1": "30/120"}]}


# --------------------------------------------------------------------------- workflow


def test_status_status_set_and_transitions_are_logged(db, world, calendar):
    admin = world.actor("admin")
    data = workflow.StatusInput(key="waiting_parts", name_pl="Czeka na części",
                                name_en="Waiting for parts", category="open")
    workflow.save_status(db, admin, data, new=True)
    data.colour = "amber"
    workflow.save_status(db, admin, data)
    assert only(db, "config.workflow.status.updated")[1] == {"colour": ["gray", "amber"]}

    cid = contracts.save_contract(db, admin, _contract_input(world, calendar.id))
    workflow.save_contract_set(db, admin, cid, ["new", "open", "resolved"])
    row, details = only(db, "config.workflow.status_set.updated")
    assert (row.target_type, row.target_id) == ("contract", str(cid))
    assert details == {"statuses": [[], ["new", "open", "resolved"]]}
    workflow.save_transitions(db, admin, cid, [("new", "open"), ("open", "resolved")])
    assert only(db, "config.workflow.transitions.updated")[1] == {
        "added": ["new→open", "open→resolved"]}
    with pytest.raises(Invalid):
        workflow.save_transitions(db, admin, cid, [("new", "closed")])
    assert len([e for e in entries(db) if e.action.startswith("config.workflow")]) == 4


# --------------------------------------------------------------------------- fields


def test_custom_field_and_its_parts_are_logged(db, world):
    admin = world.actor("admin")
    data = fields.FieldInput(key="model", name_pl="Model", name_en="Model",
                             field_type="dropdown")
    fid = fields.save_field(db, admin, data)
    data.name_en = "Device model"
    fields.save_field(db, admin, data, fid)
    assert only(db, "config.fields.field.updated")[1] == {"name_en": ["Model", "Device model"]}
    fields.save_options(db, admin, fid, [fields.OptionInput("hp", "HP", "HP")])
    assert only(db, "config.fields.options.updated")[1] == {"hp": [None, "HP / HP"]}
    fields.save_permissions(db, admin, fid, [fields.PermissionInput("client", True, False)])
    assert only(db, "config.fields.permissions.updated")[1] == {"client": [None, "view"]}
    fields.save_scopes(db, admin, fid, [fields.ScopeInput()])
    assert only(db, "config.fields.scopes.updated")[1] == {
        "contract * type *": [None, "never"]}
    with pytest.raises(Invalid):
        fields.save_options(db, admin, fid, [fields.OptionInput("", "Bad")])
    assert len(entries(db)) == 5


# --------------------------------------------------------------------------- checklists


def test_checklist_template_created_changed_and_deleted(db, world, make):
    admin = world.actor("admin")
    contract = make.contract_24x7(world.org_a.id)
    type_id = contracts.list_ticket_types(db, admin)[0].id
    data = checklists.TemplateInput(ticket_type_id=type_id, name_pl="Wdrożenie",
                                    name_en="Onboarding",
                                    items=[checklists.ItemInput("Konto")])
    tid = checklists.save_template(db, admin, data)
    data.items.append(checklists.ItemInput("Laptop", required=False))
    checklists.save_template(db, admin, data, tid)
    assert only(db, "config.checklists.template.updated")[1] == {
        "items": [["*Konto"], ["*Konto", "Laptop"]]}
    checklists.delete_template(db, admin, tid)
    row, details = only(db, "config.checklists.template.deleted")
    assert (row.target_label, details["name_pl"]) == ("Wdrożenie", ["Wdrożenie", None])
    assert contract.id


# --------------------------------------------------------------------------- mail


def test_mail_channel_password_change_is_noted_but_never_stored(room: Room):
    admin = room.world.actor("admin")
    data = mail_admin.ChannelData(address="serwis@pomocnik.test", name="Serwis",
                                  imap_host="imap.example", imap_username="serwis",
                                  imap_password="s3cret-imap")
    cid = mail_admin.save_channel(room.db, admin, None, data)
    data.imap_password, data.name = "n3w-s3cret", "Serwis IT"
    mail_admin.save_channel(room.db, admin, cid, data)
    _row, details = only(room.db, "config.mail.channel.updated")
    assert details == {"name": ["Serwis", "Serwis IT"], "credentials_changed": ["imap_password"]}
    logged = " ".join(e.details for e in entries(room.db))
    assert "s3cret" not in logged


def test_quarantine_decisions_and_outbox_retry_are_logged(room: Room, monkeypatch):
    admin = room.world.actor("admin")
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "quarantine")
    get_settings.cache_clear()
    mail = room.deliver(message(sender="new.person@elsewhere.test", subject="Kwarantanna"))
    room.db.refresh(mail)
    assert mail.status == InboundStatus.QUARANTINED
    monkeypatch.setattr(admin_actions.pipeline, "process",
                        lambda engine, mail_id, *, force=False: InboundStatus.DONE)
    admin_actions.create_anyway(room.db, room.engine, admin, mail.id)
    row, _ = only(room.db, "mail.quarantine.created_anyway")
    assert (row.target_type, row.target_id) == ("inbound_mail", str(mail.id))
    assert "Kwarantanna" in row.target_label

    out = OutboundMail(message_id="audit-retry@pomocnik.test", to_addr="x@example.test",
                       subject="Hej", kind="public_reply", raw=b"x", status="failed",
                       attempts=5)
    room.db.add(out)
    room.db.commit()
    mail_admin.retry_outbox(room.db, admin, out.id)
    assert only(room.db, "mail.outbox.retried")[1] == {"attempts": [5, 0],
                                                       "status": ["failed", "pending"]}
