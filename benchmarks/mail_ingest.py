"""Mail ingestion throughput: messages per second from SMTP acceptance to the ticket or
follow-up committed.

A migrated SQLite database with the demo data (clients, contracts, SLA calendars,
tickets) and one mail channel; the real app mail service (SMTP listener + inbound
pipeline thread) on a free loopback port; several SMTP clients sending a realistic mix at
once: 30 % replies to existing tickets (half by the number in the subject, half only by
In-Reply-To to our auto-reply), 10 % with a 50-200 KB attachment, the rest new tickets
from known clients and from unknown people of the clients' domains (new accounts).

The clock starts before the first SMTP connection and stops when the last message is out
of `received` (committed on a ticket). Last line: one JSON object.

    python benchmarks/mail_ingest.py --messages 1000 --senders 4
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import random
import resource
import smtplib
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHANNEL = "pomoc@pomocnik.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(data: Path, port: int) -> None:
    os.environ.update({
        "POMOCNIK_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'bench.db'}",
        "POMOCNIK_SMTP_LISTEN_PORT": str(port),
        "POMOCNIK_MAIL_WORKER_SECONDS": "1",
        "POMOCNIK_IMAP_POLL_SECONDS": "0",
        "POMOCNIK_SMTP_RELAY_HOST": "",  # auto-replies stay queued: we measure ingestion
        "POMOCNIK_MAIL_AUTO_REPLY_CAP": "1000000",
    })
    from helpdesk_app.cli import migrate, seed
    from helpdesk_app.config import get_settings

    get_settings.cache_clear()
    migrate()
    seed()


def _plan(n: int, rng: random.Random) -> list[dict]:
    """What each message will be: (kind, sender, ticket reference...)."""
    from sqlmodel import Session, select

    from helpdesk_app.db import get_engine
    from helpdesk_app.models import Organisation, OrganisationDomain, OrgKind, Role, Ticket, User

    with Session(get_engine()) as db:
        clients = db.exec(select(User).where(User.role == Role.CLIENT)).all()
        domains = list(db.exec(select(OrganisationDomain.domain).join(
            Organisation, Organisation.id == OrganisationDomain.organisation_id).where(
            Organisation.kind == OrgKind.CLIENT)).all())
        by_requester: dict[int, list[str]] = {}
        for t in db.exec(select(Ticket)).all():
            by_requester.setdefault(t.requester_id, []).append(t.number)
    plan = []
    for i in range(n):
        roll = rng.random()
        item: dict = {"i": i, "attach": rng.random() < 0.10}
        if roll < 0.15:
            user = rng.choice([c for c in clients if c.id in by_requester])
            item.update(kind="reply_subject", sender=user.email,
                        number=rng.choice(by_requester[user.id]))
        elif roll < 0.30:
            item.update(kind="reply_header", sender=None)  # answers a warm-up auto-reply
        elif roll < 0.85:
            item.update(kind="new_known", sender=rng.choice(clients).email)
        else:
            item.update(kind="new_unknown",
                        sender=f"osoba{i}@{rng.choice(domains)}")
        plan.append(item)
    return plan


def _message(item: dict, rng: random.Random, earlier: list[tuple[str, str]]) -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = CHANNEL
    msg["Message-ID"] = make_msgid(domain="bench.example")
    body = ("Dzień dobry,\n\nod rana nie działa drukarka w pokoju 12, "
            "komunikat o błędzie: E-{}.\n\nPozdrawiam\n").format(item["i"])
    if item["kind"] == "reply_subject":
        msg["From"] = item["sender"]
        msg["Subject"] = f"Odp: [#{item['number']}] Awaria"
        body = "Nadal nie działa.\n\nW dniu 20.11.2026 o 10:00 Pomocnik pisze:\n> stara treść\n"
    elif item["kind"] == "reply_header" and earlier:  # answers one of our auto-replies
        sender, message_id = rng.choice(earlier)
        msg["From"] = sender
        msg["Subject"] = "RE: zgłoszenie"
        msg["In-Reply-To"] = f"<{message_id}>"
        msg["References"] = f"<{message_id}>"
        body = "Dziękuję, sprawdzę jutro.\n"
    else:
        msg["From"] = item["sender"] or "jan.kowalski@wodociagi-lodz.example"
        msg["Subject"] = f"Awaria drukarki nr {item['i']}"
    msg.set_content(body)
    if item["attach"]:
        size = rng.randint(50_000, 200_000)
        msg.add_attachment(rng.randbytes(size), maintype="application", subtype="pdf",
                           filename=f"zrzut-ekranu-{item['i']}.pdf")
    return msg


def _wire(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _send_file(port: int, path: str) -> str:
    """One SMTP client (in its own process, like a real mail server would be). Its
    messages were written to `path` before the clock started, so that handing them over
    is not the app process's work."""
    with open(path, "rb") as f:
        items = pickle.load(f)
    return _send_all(port, items)


def _send_all(port: int, items: list[tuple[str, bytes]]) -> str:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
            for sender, raw in items:
                smtp.sendmail(sender, [CHANNEL], raw)
    except Exception as exc:  # reported in the result
        return repr(exc)
    return ""


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(service) -> float:
    """CPU seconds of the listener child process so far (0 when it runs in-process)."""
    pid = getattr(service.listener, "pid", None)
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_processed(engine) -> None:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from helpdesk_app.models import InboundMail, InboundStatus

    while True:
        with Session(engine) as db:
            left = db.exec(select(func.count()).select_from(InboundMail).where(
                InboundMail.status == InboundStatus.RECEIVED)).one()
        if left == 0:
            return
        # seldom: this loop runs in the app's process and must not eat its CPU; the
        # finishing time is read from the rows (processed_at), not from this loop
        time.sleep(0.1)


def run(messages: int, senders: int, seed_value: int, warmup: int = 100) -> dict:
    rng = random.Random(seed_value)
    with tempfile.TemporaryDirectory(prefix="pomocnik-mail-bench-") as tmp:
        data = Path(tmp)
        port = _free_port()
        _setup(data, port)
        from sqlmodel import Session, col, select

        from helpdesk_app.db import get_engine
        from helpdesk_app.jobs.mail_worker import MailService
        from helpdesk_app.models import InboundMail, OutboundMail

        engine = get_engine()
        service = MailService().start()
        # Warm-up (not timed): new tickets whose auto-replies the timed replies answer.
        warm = [{"i": -1 - k, "attach": False, "kind": "new_known", "sender": None}
                for k in range(warmup)]
        warm_msgs = [_message(item, rng, []) for item in warm]
        _send_all(port, [(str(m["From"]), _wire(m)) for m in warm_msgs])
        _wait_processed(engine)
        with Session(engine) as db:
            earlier = [tuple(r) for r in db.exec(
                select(OutboundMail.to_addr, OutboundMail.message_id)
                .where(OutboundMail.kind == "auto_reply")).all()]
            first_timed = (db.exec(select(InboundMail.id).order_by(col(InboundMail.id).desc())
                                   ).first() or 0) + 1
        # The messages are built before the clock starts: building them is the sending
        # side's work, not ours.
        plan = _plan(messages, rng)
        built = [_message(item, rng, earlier) for item in plan]
        paths = []
        for k in range(senders):
            paths.append(str(data / f"chunk-{k}.pickle"))
            with open(paths[-1], "wb") as f:
                pickle.dump([(str(m["From"]), _wire(m)) for m in built[k::senders]], f)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=senders, mp_context=ctx) as pool:
            list(pool.map(_send_all, [port] * senders, [[]] * senders))  # spawn them first
            cpu_app, cpu_listener = _cpu_self(), _cpu_of(service)
            started = time.perf_counter()
            started_at = datetime.now(UTC)
            errors = [e for e in pool.map(_send_file, [port] * senders, paths) if e]
            accepted_s = time.perf_counter() - started
        _wait_processed(engine)
        waited_s = time.perf_counter() - started
        cpu_app, cpu_listener = _cpu_self() - cpu_app, _cpu_of(service) - cpu_listener
        service.shutdown()
        with Session(engine) as db:
            rows = db.exec(select(InboundMail.status, InboundMail.received_at,
                                  InboundMail.processed_at)
                           .where(InboundMail.id >= first_timed)).all()
        latencies = sorted((p - r).total_seconds() * 1000 for _, r, p in rows if p and r)
        # from before the first SMTP connection to the last commit
        last = max((p for _, _, p in rows if p), default=None)
        total_s = (last - started_at).total_seconds() if last else waited_s
        outcomes: dict[str, int] = {}
        for status, _, _ in rows:
            outcomes[status] = outcomes.get(status, 0) + 1
        engine.dispose()
    return {
        "benchmark": "mail_ingest",
        "messages": messages,
        "senders": senders,
        "stored": len(rows),
        "outcomes": outcomes,
        "smtp_errors": errors[:5],
        "accept_seconds": round(accepted_s, 3),
        "total_seconds": round(total_s, 3),
        "msgs_per_second": round(len(rows) / total_s, 1) if total_s else None,
        # CPU seconds in the timed window: the app process (pipeline) and the listener
        # process (SMTP + storing raw), per message
        "app_cpu_ms_per_msg": round(cpu_app / len(rows) * 1000, 2) if rows else None,
        "listener_cpu_ms_per_msg": round(cpu_listener / len(rows) * 1000, 2)
        if rows and cpu_listener else None,
        "latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1)
        if latencies else None,
        "goal_msgs_per_second": 100,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    result = run(args.messages, args.senders, args.seed)
    print(f"{result['stored']} messages in {result['total_seconds']} s: "
          f"{result['msgs_per_second']} msg/s (goal >= 100), p50 {result['latency_ms_p50']} ms, "
          f"outcomes {result['outcomes']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
