"""Admin configuration of calendars, contracts and ticket types: rules and messages."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import contracts
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import DomainError, Forbidden, FormInvalid, Invalid
from helpdesk_app.models import BusinessCalendar, CalendarWindow, TicketTypeTarget

OFFICE = [(d, time(8), time(16)) for d in range(5)]


def _calendar(db, world, **kw) -> int:
    data = CalendarInput(name=kw.pop("name", "Biuro 8-16"), windows=kw.pop("windows", OFFICE),
                         **kw)
    return contracts.save_calendar(db, world.actor("admin"), data)


def _key(exc: pytest.ExceptionInfo[DomainError]) -> str:
    """The refusal's key; for a form, the key of its one refused field."""
    if isinstance(exc.value, FormInvalid):
        assert exc.value.key == "form.invalid"
        ((key, _params),) = exc.value.errors.values()
        return key
    return exc.value.key


def _fields(exc: pytest.ExceptionInfo[DomainError]) -> dict[str, str]:
    return {f: key for f, (key, _params) in exc.value.errors.items()}


def test_only_admins_configure(db: Session, world) -> None:
    for who in ("coordinator", "technician", "client", "client-manager"):
        with pytest.raises(Forbidden):
            contracts.save_calendar(db, world.actor(who), CalendarInput("X", windows=OFFICE))
    assert db.exec(select(BusinessCalendar)).all() == []


@pytest.mark.parametrize(("windows", "always_open", "key"), [
    ([], False, "calendar.no_working_time"),
    ([(0, time(8), time(8))], False, "calendar.window_empty"),
    ([(0, time(8), time(12)), (0, time(11), time(16))], False, "calendar.windows_overlap"),
    ([(7, time(8), time(12))], False, "calendar.weekday_invalid"),
])
def test_calendar_validation(db: Session, world, windows, always_open, key) -> None:
    with pytest.raises(Invalid) as exc:
        _calendar(db, world, windows=windows, always_open=always_open)
    assert _key(exc) == key
    assert db.exec(select(BusinessCalendar)).all() == []  # nothing half-saved


def test_calendar_reports_every_bad_field_at_once(db: Session, world) -> None:
    _calendar(db, world)
    with pytest.raises(FormInvalid) as exc:
        _calendar(db, world, name=" Biuro  8-16 ", timezone="Mars/Olympus",
                  holiday_country="XX", windows=[])
    assert _fields(exc) == {
        "name": "calendar.name_taken", "timezone": "calendar.timezone_invalid",
        "holiday_country": "calendar.holiday_country_invalid",
        "windows": "calendar.no_working_time"}
    assert exc.value.errors["timezone"][1] == {"timezone": "Mars/Olympus"}
    assert len(db.exec(select(BusinessCalendar)).all()) == 1


def test_calendar_saved_and_replaced_with_version_bump(db: Session, world) -> None:
    cal_id = _calendar(db, world, cutoff=time(15),
                       closed_dates=[(date(2026, 12, 31), "Inwentaryzacja")])
    row = db.get(BusinessCalendar, cal_id)
    assert (row.version, row.cutoff, row.holiday_country) == (1, time(15), "PL")
    windows = db.exec(select(CalendarWindow).where(CalendarWindow.calendar_id == cal_id)).all()
    assert len(windows) == 5
    contracts.save_calendar(db, world.actor("admin"),
                            CalendarInput("Biuro 8-16", always_open=True), cal_id)
    db.refresh(row)
    assert row.version == 2 and row.always_open
    assert db.exec(select(CalendarWindow).where(CalendarWindow.calendar_id == cal_id)).all() == []
    with pytest.raises(Invalid) as exc:
        _calendar(db, world, name="Biuro 8-16")
    assert _key(exc) == "calendar.name_taken"
    with pytest.raises(Invalid) as exc:
        _calendar(db, world, name="  ")
    assert _key(exc) == "calendar.name_required"


def test_contract_rules(db: Session, world) -> None:
    admin = world.actor("admin")
    cal_id = _calendar(db, world)
    ok = ContractInput(world.org_a.id, "Umowa serwisowa 2026", date(2026, 1, 1), cal_id)
    contract_id = contracts.save_contract(db, admin, ok)
    assert contract_id
    bad = [
        (ContractInput(world.org_a.id, "Bez kalendarza", date(2026, 1, 1), None),
         "contract.calendar_required"),
        (ContractInput(world.org_a.id, "Odwrócona", date(2026, 6, 1), cal_id,
                       valid_to=date(2026, 1, 1)), "contract.validity_reversed"),
        (ContractInput(world.provider.id, "Dla siebie", date(2026, 1, 1), cal_id),
         "contract.organisation_invalid"),
        (ContractInput(world.org_a.id, "", date(2026, 1, 1), cal_id), "contract.name_required"),
        (ContractInput(world.org_a.id, "Eskalacja", date(2026, 1, 1), cal_id,
                       escalation_action="shout"), "contract.escalation_invalid"),
        (ContractInput(world.org_a.id, "Eskalacja", date(2026, 1, 1), cal_id,
                       escalation_action="move_queue"), "contract.escalation_queue_required"),
    ]
    for data, key in bad:
        with pytest.raises(Invalid) as exc:
            contracts.save_contract(db, admin, data)
        assert _key(exc) == key


def test_ticket_type_rules(db: Session, world) -> None:
    admin = world.actor("admin")
    cal_id = _calendar(db, world)
    contract_id = contracts.save_contract(
        db, admin, ContractInput(world.org_a.id, "Umowa", date(2026, 1, 1), cal_id))
    with pytest.raises(Invalid) as exc:
        contracts.save_ticket_type(db, admin, TicketTypeInput(
            contract_id, "Awaria", "Failure", reaction_minutes=600, resolution_minutes=480))
    assert _key(exc) == "ticket_type.reaction_after_resolution"
    with pytest.raises(Invalid) as exc:
        contracts.save_ticket_type(db, admin, TicketTypeInput(
            contract_id, "Awaria", "Failure", 60, 480, per_priority={4: (120, 60)}))
    assert _key(exc) == "ticket_type.reaction_after_resolution"
    with pytest.raises(Invalid) as exc:
        contracts.save_ticket_type(db, admin, TicketTypeInput(
            contract_id, "Awaria", "Failure", 60, 480, warning_percent=100))
    assert _key(exc) == "ticket_type.warning_out_of_range"
    with pytest.raises(Invalid) as exc:
        contracts.save_ticket_type(db, admin, TicketTypeInput(
            contract_id, "Awaria", "Failure", 0, 480))
    assert _key(exc) == "ticket_type.target_out_of_range"

    type_id = contracts.save_ticket_type(db, admin, TicketTypeInput(
        contract_id, "Awaria", "Failure", 60, 480, per_priority={4: (15, 120)}))
    targets = db.exec(select(TicketTypeTarget).where(
        TicketTypeTarget.ticket_type_id == type_id)).all()
    assert [(t.priority, t.reaction_minutes, t.resolution_minutes) for t in targets] == [
        (4, 15, 120)]


def test_contract_and_ticket_type_report_every_bad_field_at_once(db: Session, world) -> None:
    admin = world.actor("admin")
    cal_id = _calendar(db, world)
    with pytest.raises(FormInvalid) as exc:
        contracts.save_contract(db, admin, ContractInput(
            world.provider.id, " ", None, None, default_queue_id=999_999,
            escalation_action="move_queue"))
    assert _fields(exc) == {
        "name": "contract.name_required", "organisation": "contract.organisation_invalid",
        "valid_from": "contract.valid_from_required", "calendar": "contract.calendar_required",
        "queue": "ticket.queue_invalid",
        "escalation_queue": "contract.escalation_queue_required"}
    with pytest.raises(FormInvalid) as exc:
        contracts.save_contract(db, admin, ContractInput(
            world.org_a.id, "Umowa", date(2026, 6, 1), cal_id, valid_to=date(2026, 1, 1),
            contact_ids=[world.users["other-client"].id]))
    assert _fields(exc) == {"valid_to": "contract.validity_reversed",
                            "contacts": "contract.contact_invalid"}
    with pytest.raises(FormInvalid) as exc:
        contracts.save_ticket_type(db, admin, TicketTypeInput(
            0, "", " ", reaction_minutes=600, resolution_minutes=480, warning_percent=0,
            per_priority={4: (0, 60), 9: (None, None)}))
    assert _fields(exc) == {
        "contract": "ticket_type.contract_invalid", "name_pl": "ticket_type.name_required",
        "name_en": "ticket_type.name_required",
        "resolution": "ticket_type.reaction_after_resolution",
        "warning": "ticket_type.warning_out_of_range",
        "priority_4": "ticket_type.target_out_of_range",
        "priority_9": "ticket.priority_invalid"}


def test_contract_contact_persons(db: Session, world) -> None:
    admin = world.actor("admin")
    cal_id = _calendar(db, world)
    mine = [world.users["client"].id, world.users["client-manager"].id]
    contract_id = contracts.save_contract(db, admin, ContractInput(
        world.org_a.id, "Z kontaktami", date(2026, 1, 1), cal_id, contact_ids=mine))
    view = next(c for c in contracts.list_contracts(db, admin) if c.id == contract_id)
    assert sorted(view.contact_ids) == sorted(mine)
    assert "Carl Client" in view.contacts and "Mia Manager" in view.contacts
    with pytest.raises(Invalid) as exc:  # a person of another organisation
        contracts.save_contract(db, admin, ContractInput(
            world.org_a.id, "Z kontaktami", date(2026, 1, 1), cal_id,
            contact_ids=[world.users["other-client"].id]), contract_id)
    assert _key(exc) == "contract.contact_invalid"
    contracts.save_contract(db, admin, ContractInput(
        world.org_a.id, "Z kontaktami", date(2026, 1, 1), cal_id, contact_ids=[mine[0]]),
        contract_id)
    view = next(c for c in contracts.list_contracts(db, admin) if c.id == contract_id)
    assert view.contact_ids == [mine[0]]
    people = contracts.organisation_people(db, admin, world.org_a.id)
    assert {name for _id, name in people} == {"Mia Manager", "Carl Client", "Colin Colleague"}
