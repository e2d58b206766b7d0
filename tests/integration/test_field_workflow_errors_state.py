"""The custom-fields and workflow pages' states put each refused field's message in
`form_errors` (in the user's language), keep every input, and clear the messages when the
form is saved, started afresh or another item is opened (issue 11)."""

from __future__ import annotations

from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.i18n import t
from helpdesk_app.models import Contract, CustomField, Organisation
from helpdesk_app.state.admin_fields import AdminFieldsState as F
from helpdesk_app.state.admin_workflow import AdminWorkflowState as W

ADMIN = "admin@pomocnik.example"


def _fields_page():
    s = state_for(F, ADMIN)
    call_handler(F, "on_load", s)
    call_handler(F, "new_field", s)
    return s


def _set(s, **values) -> None:
    for name, value in values.items():
        call_handler(F, "set_value", s, name, value)


def test_definition_errors_stand_under_their_fields_and_go_on_save(demo_db):
    s = _fields_page()
    _set(s, f_key="Zły klucz", f_name_pl="Kod rozliczeniowy", f_type="number",
         f_default="dużo", f_order="pierwszy")
    call_handler(F, "save_definition", s)
    assert s.error == t("form.invalid", "pl")
    assert s.form_errors == {
        "key": t("field.key_invalid", "pl"),
        "name_en": t("field.name_required", "pl"),
        "default": t("field.default_invalid", "pl"),
        "sort_order": t("workflow.order_invalid", "pl", value="pierwszy")}
    assert (s.f_key, s.f_name_pl, s.f_default, s.f_order) == (
        "Zły klucz", "Kod rozliczeniowy", "dużo", "pierwszy")  # nothing typed is lost
    assert s.f_id == ""
    _set(s, f_key="kod_kosztow", f_name_en="Billing code", f_default="12", f_order="5")
    call_handler(F, "save_definition", s)
    assert s.error == "" and s.form_errors == {} and s.f_id != ""
    with session_scope() as db:
        row = db.exec(select(CustomField).where(CustomField.key == "kod_kosztow")).one()
        assert (row.sort_order, row.default_value) == (5, 12)


def test_a_new_or_opened_field_starts_without_old_messages(demo_db):
    s = _fields_page()
    call_handler(F, "save_definition", s)
    assert set(s.form_errors) == {"key", "name_pl", "name_en"}
    call_handler(F, "new_field", s)
    assert s.form_errors == {} and s.error == ""
    call_handler(F, "save_definition", s)
    assert s.form_errors
    call_handler(F, "edit_field", s, s.rows[0].id)
    assert s.form_errors == {} and s.error == ""


def _saved_dropdown(s, key: str) -> None:
    """A saved dropdown (the demo database is shared by the module: a key per test)."""
    _set(s, f_key=key, f_name_pl="Urządzenie", f_name_en="Device", f_type="dropdown")
    call_handler(F, "save_definition", s)
    _set(s, f_options="drukarka | Drukarka | Printer\nlaptop | Laptop")
    call_handler(F, "save_options", s)
    assert s.error == ""


def test_section_rows_report_under_their_row_cells_and_removing_a_row_drops_them(demo_db):
    s = _fields_page()
    _saved_dropdown(s, "sprzet_wiersze")
    for _ in range(2):
        call_handler(F, "add_scope", s)
    call_handler(F, "save_scopes", s)  # two rows "any contract, any type"
    assert s.form_errors == {"scopes.1": t("field.scope_duplicate", "pl")}
    call_handler(F, "remove_scope", s, 1)
    assert s.form_errors == {}  # the message named a row that is gone
    call_handler(F, "save_scopes", s)
    assert s.error == "" and s.form_errors == {}

    call_handler(F, "add_dependency", s)
    call_handler(F, "add_dependency", s)
    call_handler(F, "set_dependency", s, 1, "source", "sprzet_wiersze")
    call_handler(F, "save_dependencies", s)
    assert s.form_errors == {
        "deps.0.source": t("field.dependency_source_required", "pl"),
        "deps.0.values": t("field.dependency_values_required", "pl"),
        "deps.1.source": t("field.dependency_self", "pl"),
        "deps.1.values": t("field.dependency_values_required", "pl")}
    assert len(s.dep_rows) == 2 and s.dep_rows[1].source == "sprzet_wiersze"  # kept


def test_a_bad_options_line_stands_under_the_options(demo_db):
    s = _fields_page()
    _saved_dropdown(s, "sprzet_opcje")
    _set(s, f_options="drukarka | Drukarka | Printer\nlaptop, stary | Laptop")
    call_handler(F, "save_options", s)
    assert s.form_errors == {
        "options": t("field.option_value_invalid", "pl", value="laptop, stary")}
    assert s.f_options.endswith("laptop, stary | Laptop")
    _set(s, f_options="drukarka | Drukarka | Printer")
    call_handler(F, "save_options", s)
    assert s.form_errors == {} and s.inactive_options == "laptop"


def test_contract_set_error_stands_under_the_set_and_goes_with_another_contract(demo_db):
    with session_scope() as db:
        contract = db.exec(select(Contract.id).join(
            Organisation, Organisation.id == Contract.organisation_id)
            .where(Organisation.name.startswith("Northwind"))).first()
    s = state_for(W, ADMIN)
    call_handler(W, "on_load", s)
    call_handler(W, "choose_contract", s, str(contract))
    call_handler(W, "toggle_set", s, "open", True)
    call_handler(W, "save_set", s)
    assert s.error == t("form.invalid", "pl")
    assert s.form_errors == {"statuses": t("status.set_incomplete", "pl")}
    assert s.set_keys == ["open"]
    call_handler(W, "choose_contract", s, "default")
    assert s.form_errors == {} and s.error == ""
