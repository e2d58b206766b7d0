"""The custom-field admin forms and a contract's status set report every problem at once,
each under the field it is about (FormInvalid: field -> message key), and store nothing
while any is left; a rule about the whole form stays a plain error for the top (issue 11).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import fields, workflow
from helpdesk_app.domain.errors import FormInvalid, Invalid
from helpdesk_app.domain.fields import (
    DependencyInput,
    FieldInput,
    OptionInput,
    PermissionInput,
    ScopeInput,
)
from helpdesk_app.models import (
    ContractStatus,
    CustomField,
    FieldDependency,
    FieldOption,
    FieldScope,
    FieldType,
    TicketType,
)


def _problems(exc) -> dict[str, str]:
    return {name: key for name, (key, _params) in exc.value.errors.items()}


@pytest.fixture
def admin(world):
    return world.actor("admin")


@pytest.fixture
def setup(db: Session, make, world, admin):
    """A dropdown `device` (printer, laptop) and a short text `serial`, one contract."""
    contract = make.contract_24x7(world.org_a.id, "Umowa A")
    device = fields.save_field(db, admin, FieldInput("device", "Urządzenie", "Device",
                                                     FieldType.DROPDOWN))
    fields.save_options(db, admin, device, "printer | Drukarka | Printer\nlaptop | Laptop")
    serial = fields.save_field(db, admin, FieldInput("serial", "Numer", "Serial",
                                                     FieldType.SHORT_TEXT))
    return {"contract": contract.id, "device": device, "serial": serial}


def test_definition_reports_every_bad_field_at_once_and_stores_nothing(db, admin, setup):
    with pytest.raises(FormInvalid) as exc:
        fields.save_field(db, admin, FieldInput(
            key="Zły Klucz", name_pl="  ", name_en="", field_type="colour",
            help_pl="x" * 501, help_en="ok", default="whatever", sort_order="pięć"))
    assert exc.value.key == "form.invalid"
    assert _problems(exc) == {
        "key": "field.key_invalid", "field_type": "field.type_invalid",
        "name_pl": "field.name_required", "name_en": "field.name_required",
        "help_pl": "field.text_too_long", "sort_order": "workflow.order_invalid"}
    assert exc.value.errors["sort_order"][1] == {"value": "pięć"}
    assert exc.value.errors["help_pl"][1] == {"max": 500}
    assert len(db.exec(select(CustomField)).all()) == 2


def test_definition_checks_the_default_and_the_key_against_the_stored_fields(db, admin, setup):
    with pytest.raises(FormInvalid) as exc:
        fields.save_field(db, admin, FieldInput("device", "Drugi", "Second", FieldType.NUMBER,
                                                default="dużo", sort_order="3"))
    assert _problems(exc) == {"key": "field.key_taken", "default": "field.default_invalid"}
    assert exc.value.errors["key"][1] == {"field": "device"}
    # an update: its own key is not "taken"; the type change of a field with options is
    with pytest.raises(FormInvalid) as exc:
        fields.save_field(db, admin, FieldInput("device", "Urządzenie", "Device",
                                                FieldType.NUMBER), setup["device"])
    assert _problems(exc) == {"field_type": "field.type_locked"}
    saved = fields.save_field(db, admin, FieldInput(" hours ", "Godziny", "Hours",
                                                    FieldType.NUMBER, sort_order=" 7 "))
    assert db.get(CustomField, saved).sort_order == 7


def test_options_from_the_form_text_report_under_the_options_field(db, admin, setup):
    with pytest.raises(FormInvalid) as exc:
        fields.save_options(db, admin, setup["device"], "printer | a | b | c")
    assert exc.value.errors == {"options": ("field_admin.option_line", {"line": 1})}
    with pytest.raises(FormInvalid) as exc:
        fields.save_options(db, admin, setup["device"], "printer\nPrinter | Inna")
    assert exc.value.errors == {"options": ("field.option_duplicate", {"value": "Printer"})}
    fields.save_field(db, admin, FieldInput("device", "Urządzenie", "Device",
                                            FieldType.DROPDOWN, default="laptop"),
                      setup["device"])
    with pytest.raises(FormInvalid) as exc:  # dropping the default's option
        fields.save_options(db, admin, setup["device"], [OptionInput("printer", "Drukarka")])
    assert _problems(exc) == {"options": "field.default_option_inactive"}
    active = db.exec(select(FieldOption.value).where(
        FieldOption.field_id == setup["device"], FieldOption.is_active)).all()
    assert sorted(active) == ["laptop", "printer"]  # nothing stored
    with pytest.raises(Invalid) as exc:  # not an option field: about the whole form
        fields.save_options(db, admin, setup["serial"], "a")
    assert not isinstance(exc.value, FormInvalid)
    assert exc.value.key == "field.options_not_supported"


def test_scope_rows_report_each_cell_of_each_row(db, admin, setup, make, world):
    other = make.contract_24x7(world.org_b.id, "Umowa B")
    other_type = db.exec(select(TicketType.id).where(TicketType.contract_id == other.id)).one()
    with pytest.raises(FormInvalid) as exc:
        fields.save_scopes(db, admin, setup["serial"], [
            ScopeInput(setup["contract"]),
            ScopeInput(999_999, required_on="sometimes"),
            ScopeInput(setup["contract"], other_type),
            ScopeInput(setup["contract"]),
        ])
    assert _problems(exc) == {
        "scopes.1.contract": "field.scope_invalid",
        "scopes.1.required_on": "field.required_on_invalid",
        "scopes.2.ticket_type": "field.scope_invalid",
        "scopes.3": "field.scope_duplicate"}
    assert db.exec(select(FieldScope).where(FieldScope.field_id == setup["serial"])).all() == []


def test_permissions_report_under_the_grid(db, admin, setup):
    with pytest.raises(FormInvalid) as exc:
        fields.save_permissions(db, admin, setup["serial"], [
            PermissionInput("client"), PermissionInput("client", can_edit=True)])
    assert _problems(exc) == {"permissions": "field.role_duplicate"}


def test_dependency_rows_report_source_kind_and_values_of_each_row(db, admin, setup):
    with pytest.raises(FormInvalid) as exc:
        fields.save_dependencies(db, admin, setup["serial"], [
            DependencyInput(None, "show", "printer"),
            DependencyInput("serial", "hide", ""),
            DependencyInput("device", "show", "printer, toaster"),
            DependencyInput("device", "options", options_map="printer: a"),
            DependencyInput("device", "require", " , "),
        ])
    assert _problems(exc) == {
        "deps.0.source": "field.dependency_source_required",
        "deps.1.source": "field.dependency_self",
        "deps.1.effect": "field.dependency_effect_invalid",
        "deps.2.values": "field.dependency_value_invalid",
        "deps.3.effect": "field.dependency_options_target",
        "deps.4.values": "field.dependency_values_required"}
    assert exc.value.errors["deps.2.values"][1] == {"value": "toaster"}
    model = fields.save_field(db, admin, FieldInput("model", "Model", "Model",
                                                    FieldType.DROPDOWN))
    fields.save_options(db, admin, model, "hp\ndell")
    with pytest.raises(FormInvalid) as exc:  # the form's map text, parsed by the domain
        fields.save_dependencies(db, admin, model, [
            DependencyInput("device", "options", options_map="printer: hp\nno colon")])
    assert exc.value.errors == {"deps.0.values": ("field_admin.map_line", {"line": 2})}
    fields.save_dependencies(db, admin, model, [
        DependencyInput("device", "options", options_map="printer: hp\nlaptop: dell, hp")])
    dep = db.exec(select(FieldDependency).where(FieldDependency.field_id == model)).one()
    assert dep.options_map == {"printer": ["hp"], "laptop": ["dell", "hp"]}
    with pytest.raises(Invalid) as exc:  # a loop is about the whole list: at the top
        fields.save_dependencies(db, admin, setup["device"], [
            DependencyInput("model", "show", "hp")])
    assert exc.value.key == "field.dependency_cycle"
    assert not isinstance(exc.value, FormInvalid)


def test_contract_set_reports_the_contract_and_the_statuses(db, admin, setup):
    with pytest.raises(FormInvalid) as exc:
        workflow.save_contract_set(db, admin, 999_999, ["new", "gone", "resolved"])
    assert _problems(exc) == {"contract": "ticket_type.contract_invalid",
                              "statuses": "workflow.set_status_invalid"}
    with pytest.raises(FormInvalid) as exc:
        workflow.save_contract_set(db, admin, setup["contract"], ["open", "pending"])
    assert _problems(exc) == {"statuses": "status.set_incomplete"}
    assert db.exec(select(ContractStatus)).all() == []
