"""A staff address in From writes as that colleague only when we can trust it: anyone can
put any address in From.

Trusted when
- the mail continues a thread we sent to that address about the ticket it lands on: it
  references (In-Reply-To / References) one of our Message-IDs whose reply token was
  issued to that address for that ticket (mail/outbound/reply_token.py), or
- a relay we trust vouches for the From domain (auth_results.py: the relay's
  Authentication-Results with an aligned dkim or dmarc pass), or
- an admin said so ("create ticket anyway" on the quarantined message).

Otherwise the staff account is not used and the mail is an outsider's that claims to be
staff: quarantined with the reason `staff_unverified` (shown at /admin/mail), whatever
POMOCNIK_MAIL_UNKNOWN_SENDER says - triage would need a client account with the
colleague's own address, and a polite refusal would land in the real colleague's inbox
as backscatter. Only with `reject` is it rejected instead (no answer is sent either).
Staff mail that found no open ticket writes nothing anyway: deliver quarantines it as
`staff_new_mail`, so it is not checked here.

A subcontractor's From is checked the same way (issue 13): their mail becomes a note the
desk reads as theirs, so a forged one must not land on the ticket handed to them.
"""

from __future__ import annotations

from sqlmodel import Session

from helpdesk_app.mail.inbound import auth_results
from helpdesk_app.mail.inbound.context import MailContext, Outcome, claim
from helpdesk_app.mail.outbound import reply_token
from helpdesk_app.models import InboundStatus, Role

REASON = "staff_unverified"


def _token_issued(ctx: MailContext, address: str, ticket_id: int) -> bool:
    ids = list(ctx.parsed.in_reply_to) + list(ctx.parsed.references)
    return any(reply_token.issued_to(i, ctx.settings.domain, address, ticket_id)
               for i in ids if i)


def run(db: Session, ctx: MailContext) -> Outcome | None:
    user = ctx.sender
    if user is None or user.role not in Role.AGENTS or ctx.ticket is None:
        # without an open ticket, staff mail writes nothing: deliver quarantines it
        # (`staff_new_mail`), verified or not
        return None
    if ctx.force:
        ctx.notes.append("staff sender accepted by an admin")
        return None
    address = user.email.strip().lower()
    ticket = ctx.ticket
    if _token_issued(ctx, address, ticket.id):
        return None
    verdict = auth_results.verdict(auth_results.headers_of(ctx.mail.raw),
                                   address.rsplit("@", 1)[-1],
                                   ctx.settings.trusted_authserv_ids)
    if verdict.vouched:
        ctx.notes.append(f"staff sender vouched for by {verdict.why}")
        return None
    detail = (f"{address}: no reply token of ours for this address on #{ticket.number}; "
              f"{verdict.why}")
    # the colleague's account must not act for this mail
    ctx.sender = ctx.ticket = ctx.closed_ticket = None
    if ctx.settings.unknown_sender == "reject":
        outcome = Outcome(InboundStatus.REJECTED, REASON, detail)
        claim(db, ctx, outcome)
        db.commit()
        return outcome
    return Outcome(InboundStatus.QUARANTINED, REASON, detail)
