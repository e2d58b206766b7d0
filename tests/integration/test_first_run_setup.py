"""First run: an empty installation gets its provider and first admin once, by the /setup
page (its state handlers, called as the browser does) or by the CLI; then the route is gone."""

from __future__ import annotations

import io

import pytest
from sqlmodel import Session, select

from helpdesk_app import cli
from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth, setup
from helpdesk_app.domain.errors import Conflict, FormInvalid
from helpdesk_app.models import AppSetting, Organisation, OrgKind, Role, User

PASSWORD = "zielona-herbata-o-pomocy"


def _form(**over: str) -> setup.SetupForm:
    values = {"provider_name": "Serwis IT sp. z o.o.", "admin_name": "Agnieszka Wiśniewska",
              "admin_email": "Admin@Serwis.test", "password": PASSWORD, "repeat": PASSWORD,
              "language": "en", "timezone": "Europe/London"}
    values.update(over)
    return setup.SetupForm(**values)


@pytest.fixture
def app_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The handlers and the CLI open their own sessions: point the app at the test db."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url


# --------------------------------------------------------------------------- domain


def test_an_empty_installation_needs_setup_and_setup_completes_it(db: Session) -> None:
    assert setup.needs_setup(db)
    assert setup.installation_defaults(db) == ("pl", "Europe/Warsaw")  # the environment's
    admin = setup.complete_setup(db, _form())
    assert not setup.needs_setup(db)
    assert admin.role == Role.ADMIN and admin.email == "admin@serwis.test"
    assert (admin.language, admin.timezone) == ("en", "Europe/London")
    org = db.get(Organisation, admin.organisation_id)
    assert (org.name, org.kind) == ("Serwis IT sp. z o.o.", OrgKind.PROVIDER)
    assert setup.get_setting(db, setup.DEFAULT_LANGUAGE) == "en"
    assert setup.get_setting(db, setup.DEFAULT_TIMEZONE) == "Europe/London"
    assert setup.installation_defaults(db) == ("en", "Europe/London")
    assert auth.login(db, "admin@serwis.test", PASSWORD)[1].user_id == admin.id


def test_setup_works_once(db: Session) -> None:
    setup.complete_setup(db, _form())
    with pytest.raises(Conflict) as exc:
        setup.complete_setup(db, _form(admin_email="second@serwis.test"))
    assert exc.value.key == "setup.already_done"
    assert len(db.exec(select(User)).all()) == 1


def test_the_slower_of_two_racing_setups_loses(db: Session) -> None:
    # The faster tab's transaction wrote the setup marker first (its users are not even
    # visible yet): the slower one cannot write it again and gets the same Conflict.
    db.add(AppSetting(key=setup.SETUP_DONE, value="racing"))
    db.commit()
    with pytest.raises(Conflict):
        setup.complete_setup(db, _form())
    assert db.exec(select(User)).all() == []


def test_every_bad_field_is_reported_and_nothing_is_written(db: Session) -> None:
    with pytest.raises(FormInvalid) as exc:
        setup.complete_setup(db, _form(provider_name=" ", admin_name="", admin_email="nope",
                                       password="short", repeat="other", language="de",
                                       timezone="Mars/Olympus"))
    assert {f: k for f, (k, _p) in exc.value.errors.items()} == {
        "provider_name": "setup.provider_required", "admin_name": "setup.name_required",
        "admin_email": "setup.email_invalid", "password": "auth.password_too_short",
        "repeat": "account.password_mismatch", "language": "prefs.unknown_language",
        "timezone": "prefs.unknown_timezone"}
    assert setup.needs_setup(db)
    assert db.exec(select(AppSetting)).all() == []
    setup.complete_setup(db, _form())  # and a corrected form still works


def test_a_common_password_is_refused_at_setup(db: Session) -> None:
    with pytest.raises(FormInvalid) as exc:
        setup.complete_setup(db, _form(password="password1", repeat="password1"))
    assert exc.value.errors["password"][0] == "auth.password_common"


def test_an_existing_provider_organisation_is_renamed_not_duplicated(db: Session, make) -> None:
    old = make.org("Provider", kind=OrgKind.PROVIDER)
    admin = setup.complete_setup(db, _form())
    assert admin.organisation_id == old.id
    assert db.get(Organisation, old.id).name == "Serwis IT sp. z o.o."


# --------------------------------------------------------------------------- pages


def _redirect_path(result) -> str:
    spec = result[0] if isinstance(result, list) else result
    args = {str(name._js_expr): value for name, value in spec.args}
    return str(args["path"]._var_value)


def test_setup_page_form_creates_the_admin_and_then_the_page_sends_to_login(app_db) -> None:
    from state_support import call_handler, state_for

    from helpdesk_app.state.accounts import SetupState
    from helpdesk_app.state.session import LoginState, SessionState

    home = state_for(SessionState, None)
    assert _redirect_path(call_handler(SessionState, "check_home", home)) == "/setup"
    login = state_for(LoginState, None)
    assert _redirect_path(call_handler(LoginState, "on_load", login)) == "/setup"
    page = state_for(SetupState, None)
    assert call_handler(SetupState, "on_load", page) is None
    call_handler(SetupState, "submit", page, {
        "provider_name": "Serwis IT", "admin_name": "Ala Admin",
        "admin_email": "ala@serwis.test", "password": "short", "repeat": "short",
        "language": "pl", "timezone": "Europe/Warsaw"})
    assert page.form_errors["password"].startswith("Hasło musi mieć co najmniej 8")
    assert page.admin_email == "ala@serwis.test" and not page.done  # what was typed stays
    call_handler(SetupState, "submit", page, {
        "provider_name": "Serwis IT", "admin_name": "Ala Admin",
        "admin_email": "ala@serwis.test", "password": PASSWORD, "repeat": PASSWORD,
        "language": "en", "timezone": "Europe/Warsaw"})
    assert page.done and page.form_errors == {} and page.ui_lang == "en"
    # a second visitor: the route is gone, the login page is the way in
    later = state_for(SetupState, None)
    assert _redirect_path(call_handler(SetupState, "on_load", later)) == "/login"
    call_handler(SetupState, "submit", later, {
        "provider_name": "Evil", "admin_name": "Mallory", "admin_email": "m@evil.test",
        "password": PASSWORD, "repeat": PASSWORD, "language": "pl",
        "timezone": "Europe/Warsaw"})
    assert later.error == "Konfiguracja została już zakończona. Zaloguj się."
    assert call_handler(LoginState, "on_load", state_for(LoginState, None)) is None


# --------------------------------------------------------------------------- CLI


def _cli(monkeypatch: pytest.MonkeyPatch, capsys, *args: str, stdin: str = "") -> tuple:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cli_create_admin_completes_setup_once(app_db, db: Session, monkeypatch,
                                               capsys) -> None:
    code, out, _err = _cli(monkeypatch, capsys, "create-admin", "--email", "ops@serwis.test",
                           "--name", "Ops Admin", "--organisation", "Serwis IT",
                           "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "first-run setup complete" in out
    assert not setup.needs_setup(db)
    assert auth.login(db, "ops@serwis.test", PASSWORD)[1].role == Role.ADMIN
    # a second run refuses: an administrator exists
    code, _out, err = _cli(monkeypatch, capsys, "create-admin", "--email", "x@serwis.test",
                           "--name", "X", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "already has users" in err and "--additional" in err
    # --additional adds a further admin to the provider
    code, out, _err = _cli(monkeypatch, capsys, "create-admin", "--email", "x@serwis.test",
                           "--name", "X Admin", "--additional", "--password-stdin",
                           stdin=PASSWORD + "\n")
    assert code == 0
    db.expire_all()
    admins = db.exec(select(User).where(User.role == Role.ADMIN)).all()
    assert {a.email for a in admins} == {"ops@serwis.test", "x@serwis.test"}
    assert len({a.organisation_id for a in admins}) == 1


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--email", "bad", "--name", "A", "--organisation", "S"], PASSWORD, "--email: Enter a valid"),
    (["--email", "a@s.test", "--name", "A", "--organisation", "S"], "short",
     "password: The password must have at least 8"),
    (["--email", "a@s.test", "--name", "A", "--organisation", "S"], "password1",
     "common passwords"),
    (["--email", "a@s.test", "--name", "A"], PASSWORD, "--organisation"),
    (["--email", "a@s.test", "--name", "A", "--organisation", "S", "--timezone", "Nowhere"],
     PASSWORD, "--timezone: Unknown time zone"),
])
def test_cli_create_admin_refuses_bad_input_with_exit_2(app_db, db: Session, monkeypatch,
                                                        capsys, args, stdin, message) -> None:
    code, _out, err = _cli(monkeypatch, capsys, "create-admin", *args, "--password-stdin",
                           stdin=stdin + "\n")
    assert code == 2 and message in err
    assert setup.needs_setup(db)


def test_cli_create_admin_without_a_password_source_refuses(app_db, monkeypatch,
                                                            capsys) -> None:
    code, _out, err = _cli(monkeypatch, capsys, "create-admin", "--email", "a@s.test",
                           "--name", "A", "--organisation", "S")  # stdin is no terminal
    assert code == 2 and "--password-stdin" in err


def test_cli_missing_required_option_exits_2(monkeypatch, capsys) -> None:
    code, _out, err = _cli(monkeypatch, capsys, "create-admin", "--name", "A")
    assert code == 2 and "--email" in err
