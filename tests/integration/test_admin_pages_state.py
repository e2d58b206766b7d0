"""The workflow and custom-field admin pages, driven through their states: admins configure,
everybody else is redirected and their direct handler calls change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import fields, workflow
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.i18n import t
from helpdesk_app.models import (
    Contract,
    ContractStatus,
    CustomField,
    FieldDependency,
    FieldOption,
    FieldPermission,
    FieldScope,
    Organisation,
    Priority,
    StatusTransition,
    TicketStatus,
)
from helpdesk_app.state.admin_fields import (
    AdminFieldsState,
    parse_options,
    parse_options_map,
)
from helpdesk_app.state.admin_sla import AdminSlaState
from helpdesk_app.state.admin_workflow import AdminWorkflowState

ADMIN = "admin@pomocnik.example"
OTHERS = ("koordynator@pomocnik.example", "anna.nowak@pomocnik.example",
          "ewa.lewandowska@wodociagi-lodz.example")


def _contract_id(org_prefix: str) -> int:
    with session_scope() as db:
        return db.exec(select(Contract.id).join(Organisation,
                                                Organisation.id == Contract.organisation_id)
                       .where(Organisation.name.startswith(org_prefix))).first()


def _counts() -> dict[str, int]:
    with session_scope() as db:
        return {m.__name__: len(db.exec(select(m)).all())
                for m in (TicketStatus, ContractStatus, StatusTransition, CustomField,
                          FieldOption, FieldScope, FieldPermission, FieldDependency)}


# ---- access


@pytest.mark.parametrize("cls", [AdminWorkflowState, AdminFieldsState])
def test_pages_redirect_everybody_but_admins(demo_db, cls):
    for email, target in zip(OTHERS, ("/agent", "/agent", "/portal"), strict=True):
        state = state_for(cls, email)
        result = call_handler(cls, "on_load", state)
        assert target in str(result)
    anonymous = state_for(cls, None)
    assert "/login" in str(call_handler(cls, "on_load", anonymous))
    admin = state_for(cls, ADMIN)
    assert call_handler(cls, "on_load", admin) is None


def test_direct_workflow_calls_by_non_admins_change_nothing(demo_db):
    contract = _contract_id("Kancelaria")
    before = _counts()
    for email in OTHERS:
        s = state_for(AdminWorkflowState, email)
        s.s_key, s.s_name_pl, s.s_name_en = "hacked", "Hack", "Hack"
        s.s_category, s.s_sla, s.s_colour = "open", "counts", "red"
        call_handler(AdminWorkflowState, "save_status", s)
        s.s_editing, s.s_key = True, "new"  # overwrite an existing status
        call_handler(AdminWorkflowState, "save_status", s)
        call_handler(AdminWorkflowState, "choose_contract", s, str(contract))
        assert s.member_opts == []  # nothing loaded for them
        s.w_contract, s.set_keys = str(contract), ["new", "resolved"]
        call_handler(AdminWorkflowState, "save_set", s)
        s.w_contract, s.trans_keys = "default", ["new>resolved"]
        call_handler(AdminWorkflowState, "save_transitions", s)
    assert _counts() == before
    with session_scope() as db:
        assert db.get(TicketStatus, "new").name_pl != "Hack"


def test_direct_field_calls_by_non_admins_change_nothing(demo_db):
    admin = state_for(AdminFieldsState, ADMIN)
    call_handler(AdminFieldsState, "on_load", admin)
    admin.f_key, admin.f_name_pl, admin.f_name_en, admin.f_type = (
        "kolor", "Kolor", "Colour", "dropdown")
    call_handler(AdminFieldsState, "save_definition", admin)
    assert admin.error == ""
    fid = admin.f_id
    before = _counts()
    for email in OTHERS:
        s = state_for(AdminFieldsState, email)
        s.f_key, s.f_name_pl, s.f_name_en, s.f_type = "evil", "Zły", "Evil", "short_text"
        call_handler(AdminFieldsState, "save_definition", s)
        s.f_id, s.f_key, s.f_type = fid, "kolor", "dropdown"
        call_handler(AdminFieldsState, "save_definition", s)  # rename attempt
        s.f_options = "red | Czerwony | Red"
        call_handler(AdminFieldsState, "save_options", s)
        call_handler(AdminFieldsState, "add_scope", s)
        call_handler(AdminFieldsState, "save_scopes", s)
        s.perm_rows = []
        call_handler(AdminFieldsState, "save_permissions", s)
        call_handler(AdminFieldsState, "add_dependency", s)
        s.dep_rows[0].source = "kolor"
        call_handler(AdminFieldsState, "save_dependencies", s)
        assert s.rows == []  # and they never see the list
    assert _counts() == before
    with session_scope() as db:
        assert db.exec(select(CustomField).where(CustomField.key == "evil")).first() is None


# ---- workflow page


def test_admin_creates_a_status_and_gives_a_contract_its_set(demo_db):
    contract = _contract_id("Kancelaria")
    s = state_for(AdminWorkflowState, ADMIN)
    call_handler(AdminWorkflowState, "on_load", s)
    call_handler(AdminWorkflowState, "new_status", s)
    call_handler(AdminWorkflowState, "set_status_key", s, "Czeka!")
    for name, value in (("s_name_pl", "Czeka na części"),
                        ("s_name_en", "Waiting for parts"), ("s_category", "waiting"),
                        ("s_sla", "pauses"), ("s_colour", "orange"), ("s_order", "35")):
        call_handler(AdminWorkflowState, "set_value", s, name, value)
    call_handler(AdminWorkflowState, "set_value", s, "s_client_visible", False)
    call_handler(AdminWorkflowState, "set_value", s, "s_label_pl", "W toku")
    call_handler(AdminWorkflowState, "save_status", s)
    assert s.error == t("form.invalid", "pl")
    assert s.form_errors == {"key": t("status.key_invalid", "pl")}
    assert s.s_name_pl == "Czeka na części"  # the form keeps its input

    call_handler(AdminWorkflowState, "set_status_key", s, "new")  # taken
    call_handler(AdminWorkflowState, "save_status", s)
    assert s.form_errors == {"key": t("workflow.key_taken", "pl", status="new")}
    call_handler(AdminWorkflowState, "set_value", s, "s_order", "pięć")
    call_handler(AdminWorkflowState, "set_status_key", s, "czeka_czesci")
    call_handler(AdminWorkflowState, "save_status", s)
    assert s.form_errors == {"sort_order": t("workflow.order_invalid", "pl", value="pięć")}
    call_handler(AdminWorkflowState, "set_value", s, "s_order", "35")
    call_handler(AdminWorkflowState, "save_status", s)
    assert s.error == "" and s.s_editing and s.form_errors == {}
    call_handler(AdminWorkflowState, "set_status_key", s, "other")  # key is fixed
    assert s.s_key == "czeka_czesci"
    row = next(r for r in s.status_rows if r.id == "czeka_czesci")
    assert "Czeka na części" in row.title and row.colour == "orange"
    # every flag is in the summary, the public label clients see too
    assert t("workflow.flag.client_hidden", "pl", label="W toku") in row.detail
    assert t("workflow.sla.pauses", "pl") in row.detail
    with session_scope() as db:
        st = db.get(TicketStatus, "czeka_czesci")
        assert (st.category, st.sla_effect, st.is_default, st.client_visible) == (
            "waiting", "pauses", False, False)

    # a contract's own set: an incomplete one is refused, then saved
    call_handler(AdminWorkflowState, "choose_contract", s, str(contract))
    assert s.uses_default and s.set_keys == []
    for key in ("czeka_czesci", "open"):
        call_handler(AdminWorkflowState, "toggle_set", s, key, True)
    call_handler(AdminWorkflowState, "save_set", s)
    assert s.error == t("form.invalid", "pl")
    assert s.form_errors == {"statuses": t("status.set_incomplete", "pl")}
    assert set(s.set_keys) == {"czeka_czesci", "open"}  # the ticks are kept
    for key in ("new", "resolved", "closed"):
        call_handler(AdminWorkflowState, "toggle_set", s, key, True)
    call_handler(AdminWorkflowState, "save_set", s)
    assert s.error == "" and not s.uses_default and s.form_errors == {}
    assert [o.value for o in s.member_opts] == ["new", "open", "czeka_czesci", "resolved",
                                                "closed"]
    for pair in ("new>open", "new>czeka_czesci", "czeka_czesci>open", "open>resolved",
                 "resolved>closed"):
        call_handler(AdminWorkflowState, "toggle_transition", s, pair, True)
    call_handler(AdminWorkflowState, "toggle_transition", s, "new>open", False)
    call_handler(AdminWorkflowState, "save_transitions", s)
    assert s.error == ""
    with session_scope() as db:
        assert workflow.own_set_keys(db, contract) == [o.value for o in s.member_opts]
        assert set(workflow.transition_pairs(db, contract)) == {
            ("new", "czeka_czesci"), ("czeka_czesci", "open"), ("open", "resolved"),
            ("resolved", "closed")}

    # back to the default set: the contract's own rules go too
    for key in list(s.set_keys):
        call_handler(AdminWorkflowState, "toggle_set", s, key, False)
    call_handler(AdminWorkflowState, "save_set", s)
    assert s.error == "" and s.uses_default
    with session_scope() as db:
        assert workflow.own_set_keys(db, contract) == []
        assert workflow.transition_pairs(db, contract) == []


# ---- fields page


def test_option_and_map_lines():
    opts = parse_options("a | Pierwsza | First\n\nb\nc | Trzecia")
    assert [(o.value, o.label_pl, o.label_en) for o in opts] == [
        ("a", "Pierwsza", "First"), ("b", "b", "b"), ("c", "Trzecia", "Trzecia")]
    with pytest.raises(Invalid) as e:
        parse_options("a | b | c | d")
    assert e.value.params == {"line": 1}
    assert parse_options_map("drukarka: hp, brother\nlaptop:dell") == {
        "drukarka": ["hp", "brother"], "laptop": ["dell"]}
    with pytest.raises(Invalid):
        parse_options_map("ok: a\nno colon here")


def _save_field(s, key, name, ftype="dropdown", options=""):
    call_handler(AdminFieldsState, "new_field", s)
    for name_, value in (("f_key", key), ("f_name_pl", name), ("f_name_en", name),
                         ("f_type", ftype)):
        call_handler(AdminFieldsState, "set_value", s, name_, value)
    call_handler(AdminFieldsState, "save_definition", s)
    assert s.error == ""
    if options:
        call_handler(AdminFieldsState, "set_value", s, "f_options", options)
        call_handler(AdminFieldsState, "save_options", s)
        assert s.error == ""
    return int(s.f_id)


def test_admin_configures_a_dropdown_with_scope_permissions_and_dependencies(demo_db):
    contract = _contract_id("Northwind")
    s = state_for(AdminFieldsState, ADMIN)
    call_handler(AdminFieldsState, "on_load", s)
    device = _save_field(s, "urzadzenie", "Urządzenie",
                         options="drukarka | Drukarka | Printer\nlaptop | Laptop | Laptop")
    model = _save_field(s, "model", "Model",
                        options="hp | HP | HP\ndell | Dell | Dell\nlenovo | Lenovo | Lenovo")

    # removing a line deactivates the option (shown as such), re-adding reactivates it
    call_handler(AdminFieldsState, "set_value", s, "f_options", "hp | HP | HP\ndell | Dell")
    call_handler(AdminFieldsState, "save_options", s)
    assert s.error == "" and s.inactive_options == "lenovo"
    with session_scope() as db:
        lenovo = db.exec(select(FieldOption).where(FieldOption.field_id == model,
                                                   FieldOption.value == "lenovo")).one()
        assert not lenovo.is_active
    # a bad line: clear message, text kept
    call_handler(AdminFieldsState, "set_value", s, "f_options", "x | y | z | w")
    call_handler(AdminFieldsState, "save_options", s)
    assert s.error == t("form.invalid", "pl")
    assert s.form_errors == {"options": t("field_admin.option_line", "pl", line=1)}
    assert s.f_options == "x | y | z | w"
    call_handler(AdminFieldsState, "set_value", s, "f_options", "hp | HP\ndell | Dell")

    # scope: required on create for one contract
    call_handler(AdminFieldsState, "add_scope", s)
    call_handler(AdminFieldsState, "set_scope", s, 0, "contract", str(contract))
    call_handler(AdminFieldsState, "set_scope", s, 0, "required_on", "create")
    call_handler(AdminFieldsState, "save_scopes", s)
    assert s.error == ""
    # permissions: the client sees, only the coordinator edits
    roles = [r.role for r in s.perm_rows]
    assert roles == ["admin", "coordinator", "technician", "client", "subcontractor"]
    call_handler(AdminFieldsState, "set_permission", s, 3, "view", True)
    call_handler(AdminFieldsState, "set_permission", s, 2, "edit", False)
    call_handler(AdminFieldsState, "save_permissions", s)
    assert s.error == ""
    assert [(r.view, r.edit) for r in s.perm_rows] == [(True, True), (True, True),
                                                        (True, False), (True, False),
                                                        (False, False)]
    # dependency: the model's options follow the device
    call_handler(AdminFieldsState, "add_dependency", s)
    call_handler(AdminFieldsState, "set_dependency", s, 0, "source", "urzadzenie")
    call_handler(AdminFieldsState, "set_dependency", s, 0, "effect", "options")
    call_handler(AdminFieldsState, "set_dependency", s, 0, "options_map",
                 "drukarka: hp\nlaptop: dell, apple")
    call_handler(AdminFieldsState, "save_dependencies", s)
    assert s.form_errors == {
        "deps.0.values": t("field.dependency_option_invalid", "pl", value="apple")}
    call_handler(AdminFieldsState, "set_dependency", s, 0, "options_map",
                 "drukarka: hp\nlaptop: dell")
    call_handler(AdminFieldsState, "save_dependencies", s)
    assert s.error == "" and s.form_errors == {}
    row = next(r for r in s.rows if r.id == str(model))
    assert "(model)" in row.title

    with session_scope() as db:
        (d,) = [x for x in fields.list_definitions(db, _admin_actor(db)) if x.id == model]
        assert d.scopes[0].contract_id == contract and d.scopes[0].required_on == "create"
        assert d.permissions["client"] == (True, False)
        assert d.dependencies[0].options_map == {"drukarka": ["hp"], "laptop": ["dell"]}

    # the device made to depend on the model: a loop, refused with a clear message
    call_handler(AdminFieldsState, "edit_field", s, str(device))
    assert s.f_key == "urzadzenie" and "model" in [o.value for o in s.source_opts]
    call_handler(AdminFieldsState, "add_dependency", s)
    call_handler(AdminFieldsState, "set_dependency", s, 0, "source", "model")
    call_handler(AdminFieldsState, "set_dependency", s, 0, "when", "hp")
    call_handler(AdminFieldsState, "save_dependencies", s)
    assert s.error == t("field.dependency_cycle", "pl")
    assert s.dep_rows[0].source == "model"  # kept for correction


def test_field_definition_errors_keep_the_form(demo_db):
    s = state_for(AdminFieldsState, ADMIN)
    call_handler(AdminFieldsState, "on_load", s)
    _save_field(s, "numer_seryjny", "Numer seryjny", ftype="short_text")
    call_handler(AdminFieldsState, "new_field", s)
    call_handler(AdminFieldsState, "set_value", s, "f_key", "numer_seryjny")
    call_handler(AdminFieldsState, "set_value", s, "f_name_pl", "Drugi")
    call_handler(AdminFieldsState, "set_value", s, "f_name_en", "Second")
    call_handler(AdminFieldsState, "save_definition", s)
    assert s.form_errors == {"key": t("field.key_taken", "pl", field="numer_seryjny")}
    assert s.f_name_pl == "Drugi" and s.f_id == ""
    call_handler(AdminFieldsState, "set_value", s, "f_key", "liczba")
    call_handler(AdminFieldsState, "set_value", s, "f_type", "number")
    call_handler(AdminFieldsState, "set_value", s, "f_default", "dużo")
    call_handler(AdminFieldsState, "save_definition", s)
    assert s.form_errors == {"default": t("field.default_invalid", "pl")}
    call_handler(AdminFieldsState, "set_value", s, "f_default", "12")
    call_handler(AdminFieldsState, "save_definition", s)
    assert s.error == "" and s.f_default == "12" and s.form_errors == {}


def _admin_actor(db):
    from helpdesk_app.domain.actor import Actor
    from helpdesk_app.models import User

    return Actor.from_user(db.exec(select(User).where(User.email == ADMIN)).one())


# ---- SLA page


def test_sla_ticket_type_form_reports_every_field_and_keeps_the_input(demo_db):
    s = state_for(AdminSlaState, ADMIN)
    call_handler(AdminSlaState, "on_load", s)
    call_handler(AdminSlaState, "new_type", s)
    for name, value in (("tt_name_pl", "Awaria"), ("tt_reaction", "osiem"),
                        ("tt_warning", "150")):
        call_handler(AdminSlaState, "set_value", s, name, value)
    call_handler(AdminSlaState, "set_tt_prio", s, "reaction", 0, "90")
    call_handler(AdminSlaState, "set_tt_prio", s, "resolution", 0, "30")
    call_handler(AdminSlaState, "save_type", s)
    assert s.error == t("form.invalid", "pl") and s.form_of == "tt"
    assert s.form_errors == {
        "contract": t("ticket_type.contract_invalid", "pl"),
        "name_en": t("ticket_type.name_required", "pl"),
        "reaction": t("admin.minutes_format", "pl", field=t("sla.clock.reaction", "pl"),
                      value="osiem"),
        "warning": t("ticket_type.warning_out_of_range", "pl"),
        f"priority_{Priority.ALL[0]}": t("ticket_type.reaction_after_resolution", "pl")}
    assert (s.tt_reaction, s.tt_prio_resolution[0]) == ("osiem", "30")  # nothing lost
    call_handler(AdminSlaState, "new_contract", s)
    assert s.form_errors == {} and s.form_of == ""


def test_sla_calendar_form_reports_parsing_and_rule_problems_together(demo_db):
    s = state_for(AdminSlaState, ADMIN)
    call_handler(AdminSlaState, "on_load", s)
    call_handler(AdminSlaState, "new_calendar", s)
    for name, value in (("cal_name", "  "), ("cal_tz", "Mars/Olympus"),
                        ("cal_cutoff", "25:00"), ("cal_closed", "jutro")):
        call_handler(AdminSlaState, "set_value", s, name, value)
    call_handler(AdminSlaState, "set_cal_window", s, 1, "osiem")
    call_handler(AdminSlaState, "save_calendar", s)
    assert s.error == t("form.invalid", "pl") and s.form_of == "cal"
    assert s.form_errors == {
        "windows": t("calendar.window_format", "pl", value="osiem"),
        "closed_dates": t("calendar.date_format", "pl", value="jutro"),
        "cutoff": t("calendar.time_format", "pl", field="cut-off", value="25:00"),
        "name": t("calendar.name_required", "pl"),
        "timezone": t("calendar.timezone_invalid", "pl", timezone="Mars/Olympus")}
    assert (s.cal_tz, s.cal_windows[1]) == ("Mars/Olympus", "osiem")  # nothing lost
