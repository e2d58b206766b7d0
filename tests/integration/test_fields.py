"""Custom fields end to end on SQLite and PostgreSQL: admin configuration and its
validation, per-role permissions enforced on direct calls, dependencies and required
moments at save, typed round trips, deactivated options, timeline events, list filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from helpdesk_app.domain import contracts, fields
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import Conflict, Forbidden, FormInvalid, Invalid, NotFound
from helpdesk_app.domain.fields import (
    DependencyInput,
    FieldInput,
    FieldValuesInvalid,
    OptionInput,
    PermissionInput,
    ScopeInput,
)
from helpdesk_app.models import (
    EventKind,
    FieldOption,
    FieldType,
    RequiredOn,
    Ticket,
    TicketFieldChoice,
    TicketFieldValue,
    TimelineEvent,
)

T = FieldType


class FW:
    """World + two contracts with types + a set of configured fields."""

    def __init__(self, db: Session, world) -> None:
        self.db, self.w = db, world
        self.admin = world.actor("admin")
        cal = contracts.save_calendar(db, self.admin, CalendarInput("24/7", always_open=True))
        self.contract = contracts.save_contract(
            db, self.admin, ContractInput(world.org_a.id, "Umowa A", date(2020, 1, 1), cal))
        self.failure = contracts.save_ticket_type(
            db, self.admin, TicketTypeInput(self.contract, "Awaria", "Failure"))
        self.inspection = contracts.save_ticket_type(
            db, self.admin, TicketTypeInput(self.contract, "Przegląd", "Inspection"))
        self.contract_b = contracts.save_contract(
            db, self.admin, ContractInput(world.org_b.id, "Umowa B", date(2020, 1, 1), cal))
        self.ids: dict[str, int] = {}

    def field(self, key: str, ftype: str, *, scopes=None, perms=None, options=None,
              default=None, name_pl: str | None = None) -> int:
        fid = fields.save_field(self.db, self.admin, FieldInput(
            key, name_pl or f"Pole {key}", f"Field {key}", ftype))
        if options:
            fields.save_options(self.db, self.admin, fid,
                                [OptionInput(v, f"{v} PL", f"{v} EN") for v in options])
        if default is not None:
            fields.save_field(self.db, self.admin, FieldInput(
                key, name_pl or f"Pole {key}", f"Field {key}", ftype, default=default), fid)
        fields.save_scopes(self.db, self.admin, fid,
                           scopes if scopes is not None else [ScopeInput(self.contract)])
        if perms:
            fields.save_permissions(self.db, self.admin, fid, perms)
        self.ids[key] = fid
        return fid

    def ticket(self, who: str = "client", subject: str = "Printer") -> Ticket:
        from helpdesk_app.domain import tickets

        row = tickets.create_ticket(self.db, self.w.actor(who), tickets.NewTicket(subject, "x"))
        return self.db.get(Ticket, row.id)


CLIENT_EDITS = [PermissionInput("client", can_view=True, can_edit=True)]
CLIENT_SEES = [PermissionInput("client", can_view=True, can_edit=False)]
BILLING = [PermissionInput("technician", can_view=True, can_edit=False),
           PermissionInput("admin", can_view=True, can_edit=False)]


@pytest.fixture
def fw(db: Session, world) -> FW:
    f = FW(db, world)
    f.field("category", T.DROPDOWN, options=["hardware", "software", "other"],
            scopes=[ScopeInput(f.contract, required_on=RequiredOn.CREATE)], perms=CLIENT_EDITS)
    f.field("serial", T.SHORT_TEXT, perms=CLIENT_EDITS)
    fields.save_dependencies(db, f.admin, f.ids["serial"], [
        DependencyInput("category", "show", ["hardware"])])
    f.field("billing_code", T.SHORT_TEXT, perms=BILLING,
            scopes=[ScopeInput(f.contract, required_on=RequiredOn.RESOLVE)],
            name_pl="Kod rozliczeniowy")
    f.field("affected", T.NUMBER, perms=CLIENT_SEES)
    f.field("visit", T.DATE, scopes=[ScopeInput(f.contract, f.inspection)])
    return f


def _actor(fw: FW, who: str):
    return fw.w.actor(who)


# --------------------------------------------------------------------------- admin


def test_admin_only(db: Session, fw: FW) -> None:
    for who in ("coordinator", "technician", "client"):
        with pytest.raises(Forbidden):
            fields.save_field(db, _actor(fw, who), FieldInput("x_y", "X", "X", T.NUMBER))
        with pytest.raises(Forbidden):
            fields.save_options(db, _actor(fw, who), fw.ids["category"], [])


def _fields_of(exc) -> dict[str, str]:
    """A FormInvalid's problems as field -> message key."""
    return {name: key for name, (key, _params) in exc.value.errors.items()}


@pytest.mark.parametrize("data, field, key", [
    (FieldInput("Bad Key", "A", "A", T.NUMBER), "key", "field.key_invalid"),
    (FieldInput("x", "A", "A", T.NUMBER), "key", "field.key_invalid"),
    (FieldInput("ok_key", " ", "A", T.NUMBER), "name_pl", "field.name_required"),
    (FieldInput("ok_key", "A", "A", "colour"), "field_type", "field.type_invalid"),
    (FieldInput("ok_key", "A", "A", T.NUMBER, default="1,5"), "default",
     "field.default_invalid"),
    (FieldInput("ok_key", "A", "A", T.URL, default="ftp://x"), "default",
     "field.default_invalid"),
    (FieldInput("category", "A", "A", T.NUMBER), "key", "field.key_taken"),
])
def test_save_field_validation(db: Session, fw: FW, data, field, key) -> None:
    with pytest.raises(FormInvalid) as exc:
        fields.save_field(db, fw.admin, data)
    assert _fields_of(exc) == {field: key}


def test_defaults_are_typed_and_type_is_locked_once_used(db: Session, fw: FW) -> None:
    fid = fields.save_field(db, fw.admin, FieldInput("hours", "Godziny", "Hours", T.DECIMAL,
                                                     default="1,5"))
    assert fields.get_field(db, "hours").default_value == "1.5"
    with pytest.raises(FormInvalid) as exc:  # dropdown default must be an active option
        fields.save_field(db, fw.admin, FieldInput("category", "K", "C", T.DROPDOWN,
                                                   default="nope"), fw.ids["category"])
    assert _fields_of(exc) == {"default": "field.default_invalid"}
    fields.save_field(db, fw.admin, FieldInput("hours", "Godziny", "Hours", T.NUMBER), fid)
    t = fw.ticket()
    fields.save_values(db, _actor(fw, "technician"), t.id, {"affected": "3"})
    with pytest.raises(FormInvalid) as exc:
        fields.save_field(db, fw.admin, FieldInput("affected", "A", "A", T.SHORT_TEXT),
                          fw.ids["affected"])
    assert _fields_of(exc) == {"field_type": "field.type_locked"}


def test_options_validation(db: Session, fw: FW) -> None:
    with pytest.raises(Invalid) as exc:  # about the whole form: no field to stand under
        fields.save_options(db, fw.admin, fw.ids["serial"], [OptionInput("a", "A")])
    assert exc.value.key == "field.options_not_supported"
    cases = [
        (fw.ids["category"], [OptionInput("a", "A"), OptionInput("A", "B")],
         "field.option_duplicate"),
        (fw.ids["category"], [OptionInput("a,b", "A")], "field.option_value_invalid"),
        (fw.ids["category"], [OptionInput("", "A")], "field.option_value_invalid"),
        (fw.ids["category"], [OptionInput("a", " ")], "field.option_label_required"),
    ]
    for fid, options, key in cases:
        with pytest.raises(FormInvalid) as exc:
            fields.save_options(db, fw.admin, fid, options)
        assert _fields_of(exc) == {"options": key}


def test_scope_permission_and_dependency_validation(db: Session, fw: FW) -> None:
    other_type = contracts.save_ticket_type(
        db, fw.admin, TicketTypeInput(fw.contract_b, "Inny", "Other"))
    bad = [
        (fields.save_scopes, fw.ids["serial"], [ScopeInput(fw.contract, other_type)],
         "scopes.0.ticket_type", "field.scope_invalid"),
        (fields.save_scopes, fw.ids["serial"], [ScopeInput(999)], "scopes.0.contract",
         "field.scope_invalid"),
        (fields.save_scopes, fw.ids["serial"], [ScopeInput(required_on="sometimes")],
         "scopes.0.required_on", "field.required_on_invalid"),
        (fields.save_scopes, fw.ids["serial"], [ScopeInput(), ScopeInput()], "scopes.1",
         "field.scope_duplicate"),
        (fields.save_permissions, fw.ids["serial"], [PermissionInput("guest")],
         "permissions", "field.role_invalid"),
        (fields.save_dependencies, fw.ids["serial"], [DependencyInput("serial", "show", ["x"])],
         "deps.0.source", "field.dependency_self"),
        (fields.save_dependencies, fw.ids["serial"], [DependencyInput("nope", "show", ["x"])],
         "deps.0.source", "field.dependency_source_invalid"),
        (fields.save_dependencies, fw.ids["serial"],
         [DependencyInput("category", "hide", ["hardware"])], "deps.0.effect",
         "field.dependency_effect_invalid"),
        (fields.save_dependencies, fw.ids["serial"], [DependencyInput("category", "show", [])],
         "deps.0.values", "field.dependency_values_required"),
        (fields.save_dependencies, fw.ids["serial"],
         [DependencyInput("category", "show", ["plumbing"])], "deps.0.values",
         "field.dependency_value_invalid"),
        (fields.save_dependencies, fw.ids["serial"],
         [DependencyInput("affected", "show", ["many"])], "deps.0.values",
         "field.dependency_value_invalid"),
        (fields.save_dependencies, fw.ids["serial"],
         [DependencyInput("category", "options", options_map={"hardware": ["x"]})],
         "deps.0.effect", "field.dependency_options_target"),
    ]
    for fn, fid, data, field, key in bad:
        with pytest.raises(FormInvalid) as exc:
            fn(db, fw.admin, fid, data)
        assert _fields_of(exc) == {field: key}, (fn.__name__, data)
    with pytest.raises(Invalid) as exc:  # A -> B -> A: about the whole list, at the top
        fields.save_dependencies(db, fw.admin, fw.ids["category"],
                                 [DependencyInput("serial", "show", ["x"])])
    assert exc.value.key == "field.dependency_cycle"
    model = fw.field("model", T.DROPDOWN, options=["laptop", "erp"], perms=CLIENT_EDITS)
    with pytest.raises(FormInvalid) as exc:
        fields.save_dependencies(db, fw.admin, model, [DependencyInput(
            "category", "options", options_map={"hardware": ["printer"]})])
    assert _fields_of(exc) == {"deps.0.values": "field.dependency_option_invalid"}
    # longer cycle: category -> model -> serial -> category
    fields.save_dependencies(db, fw.admin, model, [DependencyInput(
        "category", "options", options_map={"hardware": ["laptop"], "software": ["erp"]})])
    fields.save_dependencies(db, fw.admin, fw.ids["serial"], [
        DependencyInput("model", "show", ["laptop"])])
    with pytest.raises(Invalid) as exc:
        fields.save_dependencies(db, fw.admin, fw.ids["category"], [
            DependencyInput("serial", "require", ["x"])])
    assert exc.value.key == "field.dependency_cycle"


# --------------------------------------------------------------------------- views


def test_applicable_fields_scope_and_permissions(db: Session, fw: FW) -> None:
    def keys(who: str, ttype: int | None = None, contract: int | None = None):
        views = fields.applicable_fields(db, _actor(fw, who),
                                         contract_id=contract or fw.contract,
                                         ticket_type_id=ttype or fw.failure)
        return {f.key: (f.can_view, f.can_edit, f.required_on) for f in views}

    assert keys("coordinator") == {
        "category": (True, True, "create"), "serial": (True, True, "never"),
        "billing_code": (True, True, "resolve"), "affected": (True, True, "never")}
    assert keys("technician")["billing_code"] == (True, False, "resolve")
    assert keys("client") == {"category": (True, True, "create"),
                              "serial": (True, True, "never"),
                              "affected": (True, False, "never")}
    assert "visit" in keys("technician", fw.inspection)
    assert keys("technician", contract=fw.contract_b) == {}
    # several scope rows: the strongest requirement wins
    fields.save_scopes(db, fw.admin, fw.ids["serial"], [
        ScopeInput(fw.contract), ScopeInput(None, fw.failure, RequiredOn.RESOLVE)])
    assert keys("technician")["serial"][2] == "resolve"
    assert keys("technician", fw.inspection)["serial"][2] == "never"
    dep = next(f for f in fields.applicable_fields(
        db, fw.admin, contract_id=fw.contract, ticket_type_id=fw.failure) if f.key == "serial")
    assert dep.dependencies[0].source == "category"
    assert dep.dependencies[0].when_values == ("hardware",)


# --------------------------------------------------------------------------- permissions


def test_billing_code_only_coordinators_edit_on_direct_calls(db: Session, fw: FW) -> None:
    t = fw.ticket()
    for who in ("client", "client-manager", "technician", "admin"):
        with pytest.raises(Forbidden) as exc:
            fields.save_values(db, _actor(fw, who), t.id, {"billing_code": "B-1"})
        assert exc.value.key == "field.not_editable"
    assert fields.save_values(db, _actor(fw, "coordinator"), t.id,
                              {"billing_code": "B-1"}) == ["billing_code"]
    # even an unchanged value of a field one cannot edit is refused
    with pytest.raises(Forbidden):
        fields.save_values(db, _actor(fw, "technician"), t.id, {"billing_code": "B-1"})
    seen = {v.key: v for v in fields.values_for(db, _actor(fw, "technician"), t.id)}
    assert seen["billing_code"].text == "B-1" and not seen["billing_code"].can_edit
    assert "billing_code" not in {v.key for v in fields.values_for(db, _actor(fw, "client"),
                                                                    t.id)}


def test_clients_edit_only_their_fields_on_visible_tickets(db: Session, fw: FW) -> None:
    t = fw.ticket()
    client = _actor(fw, "client")
    assert fields.save_values(db, client, t.id, {"category": "software"}) == ["category"]
    with pytest.raises(Forbidden):  # sees it, may not edit it
        fields.save_values(db, client, t.id, {"affected": "10"})
    with pytest.raises(NotFound):  # another organisation's client
        fields.save_values(db, _actor(fw, "other-client"), t.id, {"category": "other"})
    with pytest.raises(NotFound):  # a colleague without the manager flag
        fields.save_values(db, _actor(fw, "colleague"), t.id, {"category": "other"})
    manager = _actor(fw, "client-manager")
    assert fields.save_values(db, manager, t.id, {"category": "other"}) == ["category"]
    with pytest.raises(NotFound):
        fields.values_for(db, _actor(fw, "other-client"), t.id)


def test_unknown_and_out_of_scope_keys(db: Session, fw: FW) -> None:
    t = fw.ticket()
    tech = _actor(fw, "technician")
    with pytest.raises(Invalid) as exc:
        fields.save_values(db, tech, t.id, {"colour": "red"})
    assert exc.value.key == "field.unknown"
    with pytest.raises(Invalid) as exc:  # only for inspections
        fields.save_values(db, tech, t.id, {"visit": "2026-01-01"})
    assert exc.value.key == "field.not_applicable"


def test_clients_cannot_filter_by_fields_they_cannot_see(db: Session, fw: FW) -> None:
    with pytest.raises(Forbidden):
        fields.filter_clause(db, _actor(fw, "client"), "billing_code", "eq", "B-1")
    fields.filter_clause(db, _actor(fw, "client"), "category", "eq", "hardware")


# --------------------------------------------------------------------------- rules at save


def test_required_on_create_and_resolve(db: Session, fw: FW) -> None:
    t = fw.ticket()
    tech = _actor(fw, "technician")
    with pytest.raises(FieldValuesInvalid) as exc:
        fields.save_values(db, tech, t.id, {"serial": "x"}, moment="create")
    assert exc.value.errors == {"category": ("field.required", {})}
    assert exc.value.params == {"fields": "Pole category"}
    assert fields.missing_required(db, t, moment="create") == ["Pole category"]
    assert fields.missing_required(db, t, moment="resolve", lang="en") == [
        "Field category", "Field billing_code"]
    fields.save_values(db, tech, t.id, {"category": "hardware", "serial": "SN-1"},
                       moment="create")
    db.expire_all()
    assert fields.missing_required(db, t, moment="create") == []
    assert fields.missing_required(db, t, moment="resolve") == ["Kod rozliczeniowy"]
    # a technician resolving cannot fill the billing code; the coordinator can
    fields.save_values(db, _actor(fw, "coordinator"), t.id, {"billing_code": "B"},
                       moment="resolve")
    assert fields.missing_required(db, t, moment="resolve") == []
    # required on create: cannot be cleared later
    with pytest.raises(FieldValuesInvalid):
        fields.save_values(db, tech, t.id, {"category": ""})


def test_create_gate_asks_only_what_the_creator_may_fill(db: Session, fw: FW) -> None:
    fields.save_scopes(db, fw.admin, fw.ids["billing_code"], [
        ScopeInput(fw.contract, required_on=RequiredOn.CREATE)])
    t = fw.ticket()
    client = _actor(fw, "client")
    assert fields.missing_required(db, t, moment="create", actor=client) == ["Pole category"]
    assert fields.save_values(db, client, t.id, {"category": "other"}, moment="create") == [
        "category"]
    # the agent-only required field still blocks resolving
    assert fields.missing_required(db, t, moment="resolve") == ["Kod rozliczeniowy"]


def test_defaults_fill_a_new_ticket(db: Session, fw: FW) -> None:
    fw.field("priority_code", T.DROPDOWN, options=["std", "vip"], default="std",
             perms=BILLING)  # the client neither sees nor edits it
    t = fw.ticket()
    changed = fields.save_values(db, _actor(fw, "client"), t.id, {"category": "software"},
                                 moment="create")
    assert set(changed) == {"category", "priority_code"}
    shown = {v.key: v.value for v in fields.values_for(db, _actor(fw, "technician"), t.id)}
    assert shown["priority_code"] == "std"


def test_dependencies_enforced_at_save(db: Session, fw: FW) -> None:
    fields.save_dependencies(db, fw.admin, fw.ids["serial"], [
        DependencyInput("category", "show", ["hardware"]),
        DependencyInput("category", "require", ["hardware"])])
    t = fw.ticket()
    tech = _actor(fw, "technician")
    fields.save_values(db, tech, t.id, {"category": "software"}, moment="create")
    # a hidden field's value is ignored (not written)
    assert fields.save_values(db, tech, t.id, {"serial": "SN"}) == []
    # switching to hardware makes the serial required: a new problem this save introduces
    with pytest.raises(FieldValuesInvalid) as exc:
        fields.save_values(db, tech, t.id, {"category": "hardware"})
    assert set(exc.value.errors) == {"serial"}
    assert fields.save_values(db, tech, t.id, {"category": "hardware", "serial": "SN"}) == [
        "category", "serial"]


def test_options_dependency_at_save(db: Session, fw: FW) -> None:
    model = fw.field("model", T.DROPDOWN, options=["laptop", "printer", "erp"])
    fields.save_dependencies(db, fw.admin, model, [DependencyInput(
        "category", "options", options_map={"hardware": ["laptop", "printer"],
                                            "software": ["erp"]})])
    t = fw.ticket()
    tech = _actor(fw, "technician")
    with pytest.raises(FieldValuesInvalid) as exc:
        fields.save_values(db, tech, t.id, {"category": "software", "model": "laptop"})
    assert exc.value.errors == {"model": ("field.option_invalid", {"value": "laptop"})}
    fields.save_values(db, tech, t.id, {"category": "hardware", "model": "laptop"})
    # changing category so the model is no longer allowed is refused
    with pytest.raises(FieldValuesInvalid):
        fields.save_values(db, tech, t.id, {"category": "software"})


def test_old_ticket_missing_a_new_required_field_stays_editable(db: Session, fw: FW) -> None:
    t = fw.ticket()  # created before any value was set: "category" (on create) is empty
    tech = _actor(fw, "technician")
    assert fields.save_values(db, tech, t.id, {"affected": "4"}) == ["affected"]
    with pytest.raises(FieldValuesInvalid):  # but resolving needs it
        fields.save_values(db, tech, t.id, {"affected": "5"}, moment="resolve")


def test_invalid_values_are_reported_per_field(db: Session, fw: FW) -> None:
    t = fw.ticket()
    with pytest.raises(FieldValuesInvalid) as exc:
        fields.save_values(db, _actor(fw, "technician"), t.id,
                           {"affected": "lots", "category": "plumbing"})
    assert exc.value.errors == {"affected": ("field.number_invalid", {}),
                                "category": ("field.option_invalid", {"value": "plumbing"})}
    assert db.exec(select(TicketFieldValue)).all() == []


# --------------------------------------------------------------------------- options


def test_deactivated_option_keeps_old_tickets_readable_and_refuses_new_use(
        db: Session, fw: FW) -> None:
    tech = _actor(fw, "technician")
    old = fw.ticket(subject="old")
    fields.save_values(db, tech, old.id, {"category": "other"})
    # admin drops "other" from the list and renames a label: deactivated, not deleted
    fields.save_options(db, fw.admin, fw.ids["category"], [
        OptionInput("software", "Oprogramowanie", "Software"),
        OptionInput("hardware", "Sprzęt", "Hardware")])
    rows = {o.value: o for o in db.exec(select(FieldOption).where(
        FieldOption.field_id == fw.ids["category"]))}
    assert not rows["other"].is_active and rows["software"].sort_order == 0
    shown = {v.key: v for v in fields.values_for(db, tech, old.id)}
    assert shown["category"].value == "other" and shown["category"].text == "other PL"
    # the old ticket's form still offers its value; other forms do not
    def offered(ticket_id=None):
        views = fields.applicable_fields(db, tech, contract_id=fw.contract,
                                         ticket_type_id=fw.failure, ticket_id=ticket_id)
        return [o.value for o in next(f for f in views if f.key == "category").options]
    assert offered(old.id) == ["software", "hardware", "other"]
    assert offered() == ["software", "hardware"]
    # editing something else on the old ticket (the form resends the old value) works
    assert fields.save_values(db, tech, old.id, {"category": "other", "affected": "2"}) == [
        "affected"]
    new = fw.ticket(subject="new")
    with pytest.raises(FieldValuesInvalid) as exc:
        fields.save_values(db, tech, new.id, {"category": "other"})
    assert exc.value.errors["category"][0] == "field.option_invalid"
    # once the old ticket moves away from it, it cannot come back
    fields.save_values(db, tech, old.id, {"category": "software"})
    with pytest.raises(FieldValuesInvalid):
        fields.save_values(db, tech, old.id, {"category": "other"})
    # the timeline kept the label
    event = db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == old.id, TimelineEvent.kind == EventKind.FIELD)
        .order_by(col(TimelineEvent.id).desc())).first()
    assert event.data == {"field": "category", "old": "other PL", "new": "Oprogramowanie"}
    # reactivating brings it back
    fields.save_options(db, fw.admin, fw.ids["category"], [
        OptionInput("software", "Oprogramowanie"), OptionInput("other", "Inne")])
    assert offered() == ["software", "other"]


# --------------------------------------------------------------------------- round trips


def test_typed_round_trip(db: Session, fw: FW) -> None:
    for key, ftype, opts in [
        ("long", T.LONG_TEXT, None), ("hours", T.DECIMAL, None), ("when", T.DATETIME, None),
        ("onsite", T.CHECKBOX, None), ("owner", T.USER, None), ("mail", T.EMAIL, None),
        ("link", T.URL, None), ("parts", T.MULTI_SELECT, ["cpu", "ram", "disk"]),
    ]:
        fw.field(key, ftype, options=opts, scopes=[ScopeInput()])
    t = fw.ticket()
    coord = _actor(fw, "coordinator")  # Europe/Warsaw
    owner = fw.w.users["technician"]
    raw = {
        "category": "hardware", "serial": "SN 42", "billing_code": "Ł-1",
        "affected": "1 200", "long": "linia 1\nlinia 2 — zażółć", "hours": "12,345678",
        "when": "2026-07-01T12:30", "onsite": "on", "owner": str(owner.id),
        "mail": "serwis@example.pl", "link": "https://example.pl/a?b=1",
        "parts": ["ram", "cpu"],
    }
    changed = fields.save_values(db, coord, t.id, raw)
    assert set(changed) == set(raw)
    db.expire_all()
    got = {v.key: v for v in fields.values_for(db, coord, t.id)}
    assert got["affected"].value == 1200 and isinstance(got["affected"].value, int)
    assert got["hours"].value == Decimal("12.345678")
    assert got["hours"].text == "12,345678"
    assert got["when"].value == datetime(2026, 7, 1, 10, 30, tzinfo=UTC)
    assert got["when"].form_value == "2026-07-01T12:30"
    assert got["onsite"].value is True and got["onsite"].form_value is True
    assert got["owner"].value == owner.id and got["owner"].text == owner.full_name
    assert got["parts"].value == ("cpu", "ram")  # in the admin's option order
    assert got["parts"].form_value == ["cpu", "ram"]
    assert got["long"].value == "linia 1\nlinia 2 — zażółć"
    assert got["billing_code"].value == "Ł-1"
    assert got["category"].text == "hardware PL"
    # typed columns
    row = db.exec(select(TicketFieldValue).where(
        TicketFieldValue.ticket_id == t.id,
        TicketFieldValue.field_id == fw.ids["hours"])).one()
    assert row.value_number == Decimal("12.345678") and row.value_text is None
    assert db.exec(select(TicketFieldChoice.value).where(
        TicketFieldChoice.ticket_id == t.id).order_by(TicketFieldChoice.value)).all() == [
        "cpu", "ram"]
    # saving the same values again changes nothing
    assert fields.save_values(db, coord, t.id, raw) == []
    assert fields.save_values(db, coord, t.id, {"hours": "12.345678", "parts": "cpu,ram",
                                                 "affected": 1200}) == []
    # clearing removes the rows
    assert set(fields.save_values(db, coord, t.id, {"hours": "", "parts": [], "onsite": False})
               ) == {"hours", "parts", "onsite"}
    db.expire_all()
    got = {v.key: v for v in fields.values_for(db, coord, t.id)}
    assert got["hours"].value is None and got["parts"].value is None
    assert got["onsite"].value is False


def test_seen_values_of_every_type_pass_the_lost_update_check(db: Session, fw: FW) -> None:
    for key, ftype, opts in [
        ("hours", T.DECIMAL, None), ("when", T.DATETIME, None), ("onsite", T.CHECKBOX, None),
        ("owner", T.USER, None), ("parts", T.MULTI_SELECT, ["cpu", "ram", "disk"]),
    ]:
        fw.field(key, ftype, options=opts, scopes=[ScopeInput()])
    t = fw.ticket()
    coord = _actor(fw, "coordinator")
    owner = fw.w.users["technician"]
    fields.save_values(db, coord, t.id, {
        "category": "hardware", "affected": "12", "hours": "1,5", "when": "2026-07-01T12:30",
        "onsite": True, "owner": str(owner.id), "parts": ["ram", "cpu"]})
    db.expire_all()
    shown = {v.key: v.form_value for v in fields.values_for(db, coord, t.id)}
    edit = {"category": "software", "affected": "13", "hours": "2", "onsite": False,
            "when": "2026-07-02T08:00", "owner": "", "parts": ["disk"]}
    assert set(fields.save_values(db, coord, t.id, edit, seen=shown)) == set(edit)


def test_a_field_changed_since_the_editor_saw_it_is_a_conflict(db: Session, fw: FW) -> None:
    t = fw.ticket()
    tech, coord = _actor(fw, "technician"), _actor(fw, "coordinator")
    fields.save_values(db, tech, t.id, {"category": "hardware", "serial": "S-1"})
    db.expire_all()
    shown = {v.key: v.form_value for v in fields.values_for(db, tech, t.id)}
    fields.save_values(db, coord, t.id, {"category": "other"}, seen=shown)  # lands first
    db.expire_all()
    with pytest.raises(Conflict) as caught:
        fields.save_values(db, tech, t.id, {"category": "software"}, seen=shown)
    assert caught.value.key == "field.conflict"
    assert caught.value.params["value"] == "other PL"
    # the field nobody else touched still saves on what the editor saw
    assert fields.save_values(db, tech, t.id, {"affected": "7"}, seen=shown) == ["affected"]
    db.expire_all()
    stored = {v.key: v.value for v in fields.values_for(db, tech, t.id)}
    assert (stored["category"], stored["affected"]) == ("other", 7)


def test_user_field_must_name_an_active_user(db: Session, fw: FW, make) -> None:
    fw.field("owner", T.USER)
    gone = make.user(fw.w.provider, "technician", active=False)
    t = fw.ticket()
    for bad in (str(gone.id), "99999"):
        with pytest.raises(FieldValuesInvalid) as exc:
            fields.save_values(db, _actor(fw, "technician"), t.id, {"owner": bad})
        assert exc.value.errors == {"owner": ("field.user_invalid", {})}


# --------------------------------------------------------------------------- timeline


def test_timeline_events_public_only_for_client_visible_fields(db: Session, fw: FW,
                                                               changes) -> None:
    t = fw.ticket()
    changes.clear()
    coord = _actor(fw, "coordinator")
    fields.save_values(db, coord, t.id, {"billing_code": "B-7"})
    assert [c.public for c in changes] == [False]
    fields.save_values(db, coord, t.id, {"category": "software", "affected": "12"})
    assert changes[-1].public is True and changes[-1].kind == EventKind.FIELD
    events = db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == t.id, TimelineEvent.kind == EventKind.FIELD)
        .order_by(col(TimelineEvent.id))).all()
    assert [(e.data["field"], e.is_public, e.data["old"], e.data["new"]) for e in events] == [
        ("billing_code", False, "", "B-7"),
        ("category", True, "", "software PL"),
        ("affected", True, "", "12"),
    ]
    assert all(e.author_id == coord.user_id for e in events)
    from helpdesk_app.domain import tickets

    client_view = tickets.get_ticket(db, _actor(fw, "client"), t.id)
    assert sorted(e.data["new"] for e in client_view.events if e.kind == EventKind.FIELD) == [
        "12", "software PL"]


# --------------------------------------------------------------------------- list filters


def test_filter_and_sort(db: Session, fw: FW) -> None:
    fw.field("parts", T.MULTI_SELECT, options=["cpu", "ram", "disk"], scopes=[ScopeInput()])
    fw.field("due", T.DATE, scopes=[ScopeInput()])
    fw.field("onsite", T.CHECKBOX, scopes=[ScopeInput()])
    fw.field("hours", T.DECIMAL, scopes=[ScopeInput()])
    coord = _actor(fw, "coordinator")
    data = {
        "a": {"category": "hardware", "affected": "5", "parts": ["cpu", "ram"],
              "due": "2026-03-01", "onsite": True, "hours": "1,5", "serial": "AB-100"},
        "b": {"category": "software", "affected": "50", "parts": ["ram"], "due": "2026-04-15",
              "hours": "10"},
        "c": {"category": "other", "parts": ["disk"], "onsite": False},
        "d": {},
    }
    ids = {}
    for name, values in data.items():
        t = fw.ticket(subject=name)
        ids[t.id] = name
        fields.save_values(db, coord, t.id, values)

    def match(key, op, value=None):
        clause = fields.filter_clause(db, coord, key, op, value)
        return sorted(ids[i] for i in db.exec(select(Ticket.id).where(clause)))

    assert match("category", "eq", "hardware") == ["a"]
    assert match("category", "in", ["hardware", "other"]) == ["a", "c"]
    assert match(fw.ids["affected"], "between", ("1", "10")) == ["a"]
    assert match("affected", "gte", "5") == ["a", "b"]
    assert match("affected", "gt", 5) == ["b"]
    assert match("affected", "empty") == ["c", "d"]
    assert match("affected", "set") == ["a", "b"]
    assert match("hours", "lt", "2,0") == ["a"]
    assert match("due", "between", ("1.03.2026", "31.03.2026")) == ["a"]
    assert match("due", "between", ("2026-03-02", None)) == ["b"]
    assert match("parts", "eq", "ram") == ["a", "b"]
    assert match("parts", "in", ["disk", "cpu"]) == ["a", "c"]
    assert match("parts", "all", ["cpu", "ram"]) == ["a"]
    assert match("onsite", "eq", True) == ["a"]
    assert match("onsite", "eq", "false") == ["b", "c", "d"]
    assert match("serial", "contains", "b-1") == ["a"]
    assert match("serial", "contains", "%") == []
    for bad in [("affected", "eq", "many"), ("category", "lt", "x"), ("affected", "like", "1"),
                ("parts", "between", ("a", "b")), ("due", "between", (None, None)),
                ("affected", "in", [])]:
        with pytest.raises(Invalid):
            match(*bad)

    def ordered(key, descending=False):
        expr = fields.sort_column(fields.get_field(db, key))
        order = expr.desc() if descending else expr.asc()
        return [ids[i] for i in db.exec(select(Ticket.id).order_by(
            expr.is_(None), order, col(Ticket.id)))]

    assert ordered("affected") == ["a", "b", "c", "d"]
    assert ordered("affected", descending=True) == ["b", "a", "c", "d"]
    assert ordered("category") == ["a", "b", "c", "d"]  # option order: hardware, software, ...
    assert ordered("due", descending=True) == ["b", "a", "c", "d"]
    assert ordered("parts") == ["a", "b", "c", "d"]  # cpu(0) < ram(1) < disk(2)
    assert ordered("hours") == ["a", "b", "c", "d"]


# --------------------------------------------------------------------------- ticket list


def test_ticket_list_filters_and_sorts_by_custom_fields(db: Session, fw: FW) -> None:
    from helpdesk_app.domain import tickets

    tech = _actor(fw, "technician")
    made = {}
    for subject, category, affected in [("hw-5", "hardware", "5"), ("sw-12", "software", "12"),
                                        ("hw-1", "hardware", "1"), ("none", None, None)]:
        t = fw.ticket(subject=subject)
        values = {}
        if category:
            values["category"] = category
        if affected:
            values["affected"] = affected
        if values:
            fields.save_values(db, tech, t.id, values)
        made[subject] = t.id

    def subjects(**kw) -> list[str]:
        return [r.subject for r in tickets.list_tickets(db, tech, tickets.ListQuery(**kw)).rows]

    assert sorted(subjects(field_filters=[("category", "eq", "hardware")])) == ["hw-1", "hw-5"]
    op, value = fields.quick_filter(T.NUMBER, "2..20")
    assert sorted(subjects(field_filters=[("affected", op, value)])) == ["hw-5", "sw-12"]
    op, value = fields.quick_filter(T.NUMBER, "10..")
    assert subjects(field_filters=[("affected", op, value)]) == ["sw-12"]
    both = [("category", "eq", "hardware"), ("affected", "gte", "2")]
    assert subjects(field_filters=both) == ["hw-5"]
    # sorted by the number, empty values last, either direction
    assert subjects(sort="field", field_sort="affected", descending=False) == [
        "hw-1", "hw-5", "sw-12", "none"]
    assert subjects(sort="field", field_sort="affected", descending=True) == [
        "sw-12", "hw-5", "hw-1", "none"]
    with pytest.raises(Invalid):
        tickets.list_tickets(db, tech, tickets.ListQuery(sort="field"))  # which field?
    # A client may not sort or filter by a field they cannot see (billing code).
    client = _actor(fw, "client-manager")
    with pytest.raises(Forbidden):
        tickets.list_tickets(db, client, tickets.ListQuery(sort="field",
                                                           field_sort="billing_code"))
    with pytest.raises(Forbidden):
        tickets.list_tickets(db, client, tickets.ListQuery(
            field_filters=[("billing_code", "set", None)]))
    keys = {f.key for f in fields.filterable_fields(db, client)}
    assert "billing_code" not in keys and "category" in keys


@pytest.mark.parametrize(("ftype", "text", "expected"), [
    (T.SHORT_TEXT, " kabel ", ("contains", "kabel")),
    (T.NUMBER, "3..", ("between", ("3", None))),
    (T.DATE, "..2026-03-01", ("between", (None, "2026-03-01"))),
    (T.DECIMAL, "2,5", ("eq", "2,5")),
    (T.MULTI_SELECT, "vpn", ("all", ["vpn"])),
    (T.DROPDOWN, "hardware", ("eq", "hardware")),
    (T.CHECKBOX, "true", ("eq", "true")),
    (T.SHORT_TEXT, "  ", None),
])
def test_quick_filter(ftype, text, expected) -> None:
    assert fields.quick_filter(ftype, text) == expected
