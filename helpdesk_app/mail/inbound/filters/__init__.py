"""The inbound pipeline, one small rule per module, run top to bottom by pipeline.py.

Each module has `run(db, ctx) -> Outcome | None`: an Outcome ends the pipeline for that
message (ignored, rejected, quarantined, or done on a ticket); None hands it on.
"""

from helpdesk_app.mail.inbound.filters import (
    bounce,
    deliver,
    duplicate,
    find_ticket,
    noise,
    own_mail,
    parse_mail,
    sender,
    subcontractor,
    verify_staff,
)

# parse -> our own mail back / already seen -> bounces -> loop & noise flags
# -> who sent it -> which ticket -> a subcontractor only into a ticket handed to them
# -> may a staff (or subcontractor) From act as such (needs the ticket: reply tokens are
# per ticket) -> create ticket or follow-up (and the auto-reply)
FILTERS = (parse_mail, own_mail, duplicate, bounce, noise, sender, find_ticket, subcontractor,
           verify_staff, deliver)
