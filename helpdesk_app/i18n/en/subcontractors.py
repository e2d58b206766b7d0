"""English: subcontractors (issue 13) - handing tickets over, what a subcontractor sees,
the contracts a subcontractor serves."""

CATALOG: dict[str, str] = {
    # roles and organisations
    "useradmin.role.subcontractor": "Subcontractor",
    "useradmin.org_kind_for_subcontractor": "Subcontractors belong to a subcontractor "
                                            "organisation.",
    "signin.role.subcontractor": "Subcontractors",
    "field_admin.role.subcontractor": "Subcontractor",
    "orgadmin.contracts": "Contracts served",
    "orgadmin.contracts_help": "The handover form suggests this subcontractor first for "
                               "tickets under these contracts.",
    "orgadmin.contracts_none": "There are no contracts yet.",
    "orgadmin.contracts_save": "Save contracts",
    "orgadmin.contracts_saved": "Contracts saved.",
    # the subcontractor's pages
    "nav.tickets_handed": "Handed to us",
    "list.title_handed": "Tickets handed to us",
    "handover.no_longer_handed": "This ticket is no longer handed to you: it was withdrawn "
                                 "or returned. Nothing of it is shown any more.",
    "status.subcontractor_not_allowed": "Subcontractors cannot set this status.",
    # the handover panel
    "handover.title": "Subcontractor",
    "handover.organisation": "Subcontractor",
    "handover.person": "Person (optional)",
    "handover.anyone": "Anyone there",
    "handover.choose": "Choose…",
    "handover.suggested": "serves this contract",
    "handover.note": "Note for the subcontractor (optional)",
    "handover.hand_over": "Hand over",
    "handover.hand_over_selected": "Hand over to a subcontractor…",
    "handover.no_subcontractors": "No active subcontractor organisation yet "
                                  "(Administration → Organisations).",
    "handover.done": "Handed over.",
    "handover.withdrawn_done": "Withdrawn: the subcontractor no longer sees the ticket.",
    "handover.state.handed": "Handed over",
    "handover.state.accepted": "Accepted",
    "handover.by": "Handed over by",
    "handover.withdraw": "Withdraw",
    "handover.confirm_withdraw": "Withdraw the ticket? The subcontractor loses access "
                                 "to it at once.",
    "handover.accept": "Accept",
    "handover.return": "Return",
    "handover.confirm_return": "Return the ticket? You will no longer see it.",
    "handover.reason": "Reason (optional)",
    "handover.cancel": "Cancel",
    "reply.share_with": "Share this note with",
    # errors
    "handover.note_too_long": "The note is too long (at most {max} characters).",
    "handover.already_handed": "Ticket {number} is already handed over: withdraw it first.",
    "handover.org_invalid": "Choose an active subcontractor organisation.",
    "handover.person_invalid": "That person does not work for the chosen subcontractor.",
    "handover.already_accepted": "The ticket has already been accepted.",
    "handover.not_handed": "The ticket is not handed over.",
    "handover.not_subcontractor": "Only a subcontractor organisation serves contracts.",
    "handover.contract_invalid": "Unknown contract.",
    "handover.share_not_handed": "The ticket is not handed over: there is nobody to share "
                                 "the note with.",
    # timeline
    "event.handover": "Subcontractor",
    "event.handover.handed": "handed over to {organisation}{person}",
    "event.handover.accepted": "accepted for {organisation}",
    "event.handover.returned": "returned by {organisation}",
    "event.handover.withdrawn": "withdrawn from {organisation}",
    "event.handover.withdrawn_org_deactivated": "withdrawn from {organisation}: the organisation was deactivated",
    "event.internal_shared": "Internal · shared with the subcontractor",
    # notifications
    "notification.handover.handed": "{number}: handed over to you by {actor}",
    "notification.handover.withdrawn": "{number}: withdrawn by {actor}",
    "notification.handover.accepted": "{number}: accepted by {organisation} ({actor})",
    "notification.handover.returned": "{number}: returned by {organisation} ({actor})",
    "notification_prefs.event.handover": "Subcontractor handover",
    "notification_prefs.staff_hint.handover": "A subcontractor accepted or returned a "
                                              "ticket I handed over",
    "notification_prefs.subcontractor_hint.handover": "A ticket was handed over to us or "
                                                      "withdrawn",
    # mail
    "mail.reason.subcontractor_not_handed": "Mail from a subcontractor about no ticket "
                                            "handed to them: not added to any ticket",
    # audit log
    "audit.area.handover": "Subcontractors",
    "audit.action.handover.handed": "Ticket handed over to a subcontractor",
    "audit.action.handover.accepted": "Subcontractor accepted a ticket",
    "audit.action.handover.returned": "Subcontractor returned a ticket",
    "audit.action.handover.withdrawn": "Ticket withdrawn from a subcontractor",
    "audit.action.handover.contracts_changed": "Contracts served by a subcontractor changed",
}
