"""Benchmark: directory sign-in and the directory sync against a local OpenLDAP server
(issue 16: sign-in server-side p95 ≤ 300 ms; a sync of 10,000 people ≤ 30 s).

    PYTHONPATH=. .venv/bin/python benchmarks/ldap_signin.py [--people 10000] [--runs 200]

Starts Debian's slapd on loopback (tests/ldap_server.py, StartTLS against its own CA)
with the test tree plus N people in the mapped staff group, loaded by slapadd. A fresh
migrated SQLite database gets a provider organisation and the directory (service account
bind, group base, the staff group mapped to "technician" in one queue). Then:

1. sign-in: `auth.check_password` as the sign-in page calls it, for `--runs` random
   people — first their first sign-in (the account is made just in time), then again
   (the account is brought up to date). Each is a service bind, a person search, a group
   search and the person's own bind, each on a new TLS connection, as in production;
2. sync: `ldap_sync.run` of the whole directory, first when most people have no account
   yet (creates them), then again (nothing changes).

The LAST line is one JSON object:
{"benchmark": "ldap_signin", "people": .., "runs": .., "first_signin_p50_ms": ..,
 "first_signin_p95_ms": .., "signin_p50_ms": .., "signin_p95_ms": .., "sync_first_s": ..,
 "sync_created": .., "sync_again_s": .., "sync_unchanged": .., "load1": ..}
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet
from sqlmodel import Session

from helpdesk_app.cli import migrate
from helpdesk_app.config import get_settings
from helpdesk_app.db import make_engine
from helpdesk_app.domain import auth, ldap_sync, secrets_box
from helpdesk_app.models import LdapDirectory, LdapSecurity, Organisation, OrgKind, Queue
from tests.ldap_server import BIND_DN, BIND_PW, GROUPS, PEOPLE, slapd_server


def people_ldif(n: int) -> str:
    entries, members = [], []
    for i in range(n):
        uid = f"p{i:05d}"
        entries.append(
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: Osoba {i}\ngivenName: Osoba\nsn: Numer {i}\nmail: {uid}@uczelnia.test\n"
            f"telephoneNumber: +48 42 600 {i:05d}\ndepartmentNumber: Wydział {i % 12}\n"
            f"userPassword: haslo-{uid}\n")
        members.append(f"member: uid={uid},{PEOPLE}\n")
    entries.append(f"dn: cn=bench-staff,{GROUPS}\nobjectClass: groupOfNames\n"
                   f"cn: bench-staff\n{''.join(members)}")
    return "\n".join(entries)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="pomocnik-bench-ldap-") as tmp, \
            slapd_server(people_ldif(args.people)) as server:
        data = Path(tmp)
        os.environ.update({"POMOCNIK_DATA_DIR": str(data),
                           "POMOCNIK_ATTACHMENTS_DIR": str(data / "attachments"),
                           "DATABASE_URL": f"sqlite:///{data / 'bench.db'}",
                           "POMOCNIK_SECRETS_KEY": Fernet.generate_key().decode()})
        get_settings.cache_clear()
        migrate()
        engine = make_engine(get_settings().database_url)
        with Session(engine) as db:
            db.add(Organisation(name="Uczelnia", kind=OrgKind.PROVIDER))
            queue = Queue(name="Service Desk")
            db.add(queue)
            db.flush()
            d = LdapDirectory(
                name="Uczelnia", hosts=[f"127.0.0.1:{server.port}"],
                security=LdapSecurity.STARTTLS, ca_cert_pem=server.ca_pem, bind_dn=BIND_DN,
                bind_password_enc=secrets_box.seal(BIND_PW), user_base=PEOPLE,
                user_filter="(objectClass=inetOrgPerson)", group_base=GROUPS,
                group_mappings=[{"group": f"cn=bench-staff,{GROUPS}", "role": "technician",
                                 "queue_ids": [queue.id], "organisation_id": None}])
            db.add(d)
            db.commit()
            directory_id = d.id
        rng = random.Random(3)
        chosen = rng.sample(range(args.people), args.runs)
        first, again = [], []
        for pass_times in (first, again):
            for i in chosen:
                with Session(engine) as db:
                    t0 = time.perf_counter()
                    auth.check_password(db, f"p{i:05d}", f"haslo-p{i:05d}")
                    db.commit()
                    pass_times.append((time.perf_counter() - t0) * 1000)
        print(f"  sign-in: first p50 {pct(first, .5)} ms p95 {pct(first, .95)} ms; "
              f"again p50 {pct(again, .5)} ms p95 {pct(again, .95)} ms", flush=True)
        results = []
        for _ in range(2):
            with Session(engine) as db:
                t0 = time.perf_counter()
                report = ldap_sync.run(db, db.get(LdapDirectory, directory_id))
                results.append((time.perf_counter() - t0, report))
            print(f"  sync {results[-1][0]:.1f} s: {report.counts()}", flush=True)
        engine.dispose()
    (s1, r1), (s2, r2) = results
    return {"benchmark": "ldap_signin", "people": args.people, "runs": args.runs,
            "first_signin_p50_ms": pct(first, .5), "first_signin_p95_ms": pct(first, .95),
            "signin_p50_ms": pct(again, .5), "signin_p95_ms": pct(again, .95),
            "sync_first_s": round(s1, 1), "sync_created": len(r1.created),
            "sync_again_s": round(s2, 1), "sync_unchanged": r2.unchanged,
            "load1": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
