"""Shared fixtures for the unit and integration suites.

`db` is parametrized over SQLite (a fresh temp file) and PostgreSQL (a fresh, uniquely
named database on POMOCNIK_TEST_PG_URL). Both are built by the real alembic migrations,
never by `create_all`, so the tests also prove the migrations match what the code uses.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from helpdesk_app.cli import migrate
from helpdesk_app.config import get_settings
from helpdesk_app.db import make_engine
from helpdesk_app.domain import tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import USER_CHANGE, Change, bus
from helpdesk_app.models import (
    BusinessCalendar,
    Contract,
    CustomRole,
    Organisation,
    OrganisationDomain,
    OrgKind,
    Queue,
    QueueMember,
    Role,
    Ticket,
    TicketType,
    User,
)

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "correct-horse-battery"

# Role labels used by the access matrix. "client-manager" is a client with the flag set.
ROLES = ("admin", "coordinator", "technician", "client", "client-manager")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _pg_admin_url() -> str:
    return os.environ.get("POMOCNIK_TEST_PG_URL") or DEFAULT_PG_URL


# --------------------------------------------------------------------------- settings


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every setting at a temp folder, so no test touches ./data.

    Autouse for tests/unit and tests/integration (their conftest.py), not for tests/e2e."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("POMOCNIK_DATA_DIR", str(data))
    monkeypatch.setenv("POMOCNIK_ATTACHMENTS_DIR", str(data / "attachments"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data / 'unused.db'}")
    for name in ("POMOCNIK_MAX_ATTACHMENT_MB", "POMOCNIK_SESSION_IDLE_MINUTES",
                 "POMOCNIK_SESSION_ABSOLUTE_HOURS", "POMOCNIK_TIMEZONE", "POMOCNIK_LANGUAGE",
                 "POMOCNIK_TIMER_CAP_HOURS", "REDIS_URL", "REFLEX_REDIS_URL",
                 "POMOCNIK_REDIS_PREFIX"):  # a developer's Redis must not carry test changes
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the PostgreSQL server; skip (or fail in CI) when unreachable."""
    url = _pg_admin_url()
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    error = ""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver/network error means "not reachable"
        error = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
    if error:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        reason = f"PostgreSQL not reachable at {shown}; set POMOCNIK_TEST_PG_URL ({error})"
        if _in_ci():
            pytest.fail(reason + " [CI=true: PostgreSQL tests must run, not skip]", pytrace=False)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis (POMOCNIK_TEST_REDIS_URL, default redis://127.0.0.1:6379/0); skip (or
    fail in CI) when unreachable. Tests keep their keys and channels under a prefix."""
    url = os.environ.get("POMOCNIK_TEST_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        reason = f"Redis not reachable at {url}; set POMOCNIK_TEST_REDIS_URL ({exc})"
        if _in_ci():
            pytest.fail(reason + " [CI=true: Redis tests must run, not skip]", pytrace=False)
        pytest.skip(reason)
    return url


@contextmanager
def fresh_postgres_database(admin: Engine, *, migrated: bool = True) -> Iterator[str]:
    """Create a uniquely named database (optionally migrated to head), drop it afterwards."""
    name = f"pomocnik_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_session_url(pg_admin_engine: Engine) -> Iterator[str]:
    """One fresh migrated PostgreSQL database for the run (CREATE DATABASE costs ~0.25 s,
    too much per test); `_empty_postgres` gives each test empty tables in it."""
    with fresh_postgres_database(pg_admin_engine) as url:
        _SEED_ROWS[url] = _snapshot_seed_rows(url)
        yield url


# Tables whose rows the migrations seed (built-in statuses, activity types): restored
# after each wipe so a PostgreSQL test starts exactly like a freshly migrated SQLite one.
_SEED_TABLES = ("ticket_status", "activity_type")
# Tables whose triggers refuse DELETE (the audit log): emptied with TRUNCATE instead.
_APPEND_ONLY_TABLES = ("audit_event",)
_SEED_ROWS: dict[str, dict[str, list[dict]]] = {}


def _snapshot_seed_rows(url: str) -> dict[str, list[dict]]:
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            return {name: [dict(r._mapping) for r in
                           conn.execute(SQLModel.metadata.tables[name].select())]
                    for name in _SEED_TABLES}
    finally:
        eng.dispose()


def _empty_postgres(url: str) -> None:
    """Delete every row and restart the id sequences: each test starts as on a new DB."""
    eng = create_engine(url)
    try:
        with eng.begin() as conn:
            for table in reversed(SQLModel.metadata.sorted_tables):
                if table.name in _APPEND_ONLY_TABLES:  # DELETE is refused by a trigger
                    conn.execute(text(f'TRUNCATE "{table.name}"'))
                else:
                    conn.execute(table.delete())
            for name, rows in _SEED_ROWS.get(url, {}).items():
                if rows:
                    conn.execute(SQLModel.metadata.tables[name].insert(), rows)
            sequences = conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )).scalars().all()
            for seq in sequences:
                conn.execute(text(f'ALTER SEQUENCE "{seq}" RESTART'))
            # the restored seed rows keep their ids: the next insert must come after them
            for name, rows in _SEED_ROWS.get(url, {}).items():
                if rows and "id" in rows[0]:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"{max(r['id'] for r in rows)})"))
    finally:
        eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database migrated to head with alembic."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / f'test-{uuid.uuid4().hex[:8]}.db'}"
        migrate(url)
        yield url
    else:
        url = request.getfixturevalue("pg_session_url")
        _empty_postgres(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a brand-new database with no tables at all (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with fresh_postgres_database(request.getfixturevalue("pg_admin_engine"),
                                     migrated=False) as url:
            yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def open_session(engine: Engine) -> Iterator:
    """Open further sessions on the same database (a second browser tab / another agent)."""
    sessions: list[Session] = []

    def _open() -> Session:
        s = Session(engine, expire_on_commit=False)
        sessions.append(s)
        return s

    yield _open
    for s in sessions:
        s.close()


# --------------------------------------------------------------------------- factories


@pytest.fixture(scope="session")
def password() -> str:
    """The password of every user made by the factory."""
    return PASSWORD


@pytest.fixture(scope="session")
def cheap_argon2() -> Iterator[tuple[object, str]]:
    """Production argon2id parameters cost ~90 ms per hash *and* per login. Tests use the
    same algorithm and code paths with minimal cost parameters (like Django's test hasher);
    tests/unit/test_password_hashing.py checks the production parameters separately."""
    from argon2 import PasswordHasher, Type

    from helpdesk_app.domain import auth

    production = (auth._hasher, auth._DUMMY_HASH)
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", cheap)
        mp.setattr(auth, "_DUMMY_HASH", cheap.hash("pomocnik-timing-equaliser"))
        yield production  # (hasher, dummy hash) as the application configured them


@pytest.fixture(scope="session")
def password_hash(cheap_argon2: tuple[object, str]) -> str:
    """Hash the one test password once per run; every factory user shares it."""
    from helpdesk_app.domain.auth import hash_password

    return hash_password(PASSWORD)


_seq = itertools.count(1)


@dataclass
class Factory:
    db: Session
    password_hash: str

    def org(self, name: str | None = None, kind: str = OrgKind.CLIENT) -> Organisation:
        org = Organisation(name=name or f"Org {next(_seq)}", kind=kind)
        self.db.add(org)
        self.db.commit()
        return org

    def user(self, org: Organisation, role: str = Role.CLIENT, *, manager: bool = False,
             email: str | None = None, name: str | None = None, active: bool = True) -> User:
        n = next(_seq)
        user = User(
            email=email or f"user{n}@example.test", full_name=name or f"User {n}",
            password_hash=self.password_hash, role=role, organisation_id=org.id,
            is_client_manager=manager, is_active=active,
        )
        self.db.add(user)
        self.db.commit()
        return user

    def queue(self, name: str | None = None, active: bool = True) -> Queue:
        queue = Queue(name=name or f"Queue {next(_seq)}", is_active=active)
        self.db.add(queue)
        self.db.commit()
        return queue

    def contract_24x7(self, org_id: int, name: str | None = None, *,
                      reaction: int | None = 60, resolution: int | None = 240,
                      **contract_kw) -> Contract:
        """A contract on an always-open calendar; with targets, one ticket type "Awaria"
        (warning at 75 %)."""
        name = name or f"Contract {next(_seq)}"
        cal = BusinessCalendar(name=f"24/7 {name}", always_open=True, holiday_country=None)
        self.db.add(cal)
        self.db.commit()
        contract = Contract(organisation_id=org_id, name=name, valid_from=date(2020, 1, 1),
                            calendar_id=cal.id, **contract_kw)
        self.db.add(contract)
        self.db.commit()
        if reaction is not None or resolution is not None:
            self.db.add(TicketType(contract_id=contract.id, name_pl="Awaria",
                                   name_en="Failure", reaction_minutes=reaction,
                                   resolution_minutes=resolution, warning_percent=75))
            self.db.commit()
        return contract

    @staticmethod
    def actor(user: User) -> Actor:
        return Actor.from_user(user)

    def ticket(self, by: Actor, subject: str = "Printer on fire", *, requester: User | None = None,
               body: str = "Please help", **kw) -> Ticket:
        """Create through the domain (real numbering, timeline, change event)."""
        data = tickets.NewTicket(subject=subject, body=body,
                                 requester_id=requester.id if requester else None, **kw)
        row = tickets.create_ticket(self.db, by, data)
        return self.db.get(Ticket, row.id)

    def domain(self, org: Organisation, domain: str) -> OrganisationDomain:
        """A verified mail domain of `org` (stored lower-cased, as the admin page does)."""
        row = OrganisationDomain(organisation_id=org.id, domain=domain.lower())
        self.db.add(row)
        self.db.commit()
        return row

    # ---- queues and roles (i12-roles)

    def custom_role(self, name: str | None = None, *, base: str = Role.TECHNICIAN,
                    perms: tuple[str, ...] | None = None, queues: tuple[Queue, ...] = (),
                    limited: bool = True) -> CustomRole:
        """A custom role; `perms` None: the base role's built-in permissions."""
        from helpdesk_app.domain import permissions

        role = CustomRole(name=name or f"Role {next(_seq)}", base_role=base,
                          permissions=sorted(permissions.BUILTIN[base] if perms is None
                                             else perms),
                          limit_to_queues=limited, queue_ids=[q.id for q in queues])
        self.db.add(role)
        self.db.commit()
        return role

    def member(self, queue: Queue, user: User) -> None:
        self.db.add(QueueMember(queue_id=queue.id, user_id=user.id))
        self.db.commit()

    def give_role(self, user: User, role: CustomRole) -> Actor:
        """Assign `role` to `user`; returns the actor as the app loads it."""
        from helpdesk_app.domain import actor_loading

        user.custom_role_id, user.role = role.id, role.base_role
        self.db.add(user)
        self.db.commit()
        return actor_loading.load(self.db, user)


@pytest.fixture
def make(db: Session, password_hash: str) -> Factory:
    return Factory(db, password_hash)


@dataclass
class World:
    """A provider with one user per staff role, two client organisations and two queues.

    Organisation A has a client manager, a plain client and the plain client's colleague;
    organisation B has one client.
    """

    provider: Organisation
    org_a: Organisation
    org_b: Organisation
    queue: Queue  # the default queue (lowest id)
    queue2: Queue
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        return Actor.from_user(self.users[key])


@pytest.fixture
def world(make: Factory) -> World:
    provider = make.org("Provider", OrgKind.PROVIDER)
    org_a, org_b = make.org("Org A"), make.org("Org B")
    w = World(provider=provider, org_a=org_a, org_b=org_b,
              queue=make.queue("Service Desk"), queue2=make.queue("Network"))
    w.users = {
        "admin": make.user(provider, Role.ADMIN, name="Ada Admin"),
        "coordinator": make.user(provider, Role.COORDINATOR, name="Cora Coordinator"),
        "technician": make.user(provider, Role.TECHNICIAN, name="Tom Technician"),
        "technician2": make.user(provider, Role.TECHNICIAN, name="Tina Technician"),
        "client-manager": make.user(org_a, Role.CLIENT, manager=True, name="Mia Manager"),
        "client": make.user(org_a, Role.CLIENT, name="Carl Client"),
        "colleague": make.user(org_a, Role.CLIENT, name="Colin Colleague"),
        "other-client": make.user(org_b, Role.CLIENT, name="Olga Other"),
    }
    return w


# --------------------------------------------------------------------------- change bus


@pytest.fixture
def all_changes() -> Iterator[list[Change]]:
    """Every Change published on the in-process bus while the test runs."""
    seen: list[Change] = []
    handle = bus.subscribe(seen.append)
    yield seen
    bus.unsubscribe(handle)


@pytest.fixture
def changes() -> Iterator[list[Change]]:
    """The ticket changes published while the test runs (not the per-user bell updates
    that notifications add: see `all_changes`)."""
    seen: list[Change] = []
    handle = bus.subscribe(lambda c: seen.append(c) if c.kind != USER_CHANGE else None)
    yield seen
    bus.unsubscribe(handle)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: the slow app build then never delays the fast feedback."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
