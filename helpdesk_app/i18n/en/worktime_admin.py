"""English: work time configuration and billing (issue 14) - /admin/worktime: activity
types, contract rates, locking billed time and unlocking it."""

CATALOG: dict[str, str] = {
    "page.admin_worktime": "Work time and billing",
    "nav.admin_worktime": "Work time",
    "worktime_admin.title": "Work time and billing",
    # activity types
    "worktime_admin.activities": "Activity types",
    "worktime_admin.activities_help": "What kinds of work people log. A new entry starts "
                                      "with its type's billable and on-site settings. A type "
                                      "in use is deactivated, never deleted.",
    "worktime_admin.no_activities": "No activity types yet: add the first one below.",
    "worktime_admin.new_activity": "New activity type",
    "worktime_admin.edit_activity": "Edit activity type",
    "worktime_admin.key": "Key",
    "worktime_admin.default_billable": "Billable by default",
    "worktime_admin.default_on_site": "On site by default",
    "worktime_admin.order": "Order",
    "worktime_admin.deactivate": "Deactivate",
    "worktime_admin.reactivate": "Reactivate",
    "worktime_admin.billable": "billable",
    "worktime_admin.not_billable": "not billable",
    "worktime_admin.on_site": "on site",
    "worktime_admin.used_by": "entries: {count}",
    "worktime_admin.inactive": "inactive",
    "worktime_admin.activity_saved": "Activity type saved.",
    "worktime_admin.activity_active": "Activity type reactivated.",
    "worktime_admin.activity_inactive": "Activity type deactivated: it is no longer offered.",
    # rates
    "worktime_admin.rates": "Contract rates",
    "worktime_admin.pick_contract": "Choose a contract to see and change its rate.",
    "worktime_admin.no_contracts": "No contracts yet: contracts are created on the SLA "
                                   "configuration page.",
    "worktime_admin.hourly_rate": "Hourly rate",
    "worktime_admin.currency": "Currency",
    "worktime_admin.rounding": "Rounding",
    "worktime_admin.rounding.none": "None (whole minutes)",
    "worktime_admin.rounding.up": "Up, every started block",
    "worktime_admin.rounding.nearest": "To the nearest block",
    "worktime_admin.block": "Block (minutes)",
    "worktime_admin.minimum": "Minimum per visit (minutes)",
    "worktime_admin.after_hours_pct": "After hours (%)",
    "worktime_admin.weekend_pct": "Weekends and holidays (%)",
    "worktime_admin.on_site_pct": "On site (%)",
    "worktime_admin.rate_help": "Percentages multiply the hourly rate: 100 is the normal "
                                "rate, 150 half as much again. On site multiplies the others.",
    "worktime_admin.no_rate_yet": "No rate yet: work under this contract bills nothing.",
    "worktime_admin.rate_note": "A change re-rates the unbilled entries ({unlocked}); "
                                "billed ones ({locked}) keep their amounts.",
    "worktime_admin.rate_saved": "Rate saved; unbilled entries re-rated: {count}.",
    "worktime_admin.rerating": "Re-rating unbilled entries…",
    "worktime_admin.rate_unchanged": "Nothing changed.",
    # errors
    "worktime_admin.key_invalid": "The key must be 2–40 lower-case letters, digits or _ and "
                                  "start with a letter.",
    "worktime_admin.key_taken": "The key “{key}” is taken.",
    "worktime_admin.name_required": "Give the name.",
    "worktime_admin.name_too_long": "At most {max} characters.",
    "worktime_admin.number_invalid": "“{value}” is not a whole number.",
    "worktime_admin.rate_format": "“{value}” is not an amount: write e.g. 180,00 (at most "
                                  "two decimals).",
    "worktime_admin.rate_too_high": "At most {max} an hour.",
    "worktime_admin.activity_not_found": "The activity type does not exist (any more).",
    "worktime_admin.contract_not_found": "The contract does not exist (any more).",
    # locking
    "worktime_billing.lock_title": "Lock billed time",
    "worktime_billing.lock_help": "Once a period is invoiced, lock it: its entries can no "
                                  "longer change and keep their amounts. Only an admin can "
                                  "unlock them.",
    "worktime_billing.scope": "Lock",
    "worktime_billing.kind.contract": "One contract",
    "worktime_billing.kind.organisation": "Every contract of an organisation",
    "worktime_billing.from": "From",
    "worktime_billing.to": "To",
    "worktime_billing.ref": "Invoice number",
    "worktime_billing.lock": "Lock",
    "worktime_billing.preview": "To lock: {count} entries · worked {worked} · billed "
                                "{billed} · {amount}",
    "worktime_billing.preview_none": "Nothing unbilled in this period.",
    "worktime_billing.preview_capped": "Among them {count} stopped automatically (a "
                                       "forgotten timer): check them first.",
    "worktime_billing.confirm_lock": "Lock this period under invoice",
    "worktime_billing.confirm_help": "Locked entries cannot be changed or removed.",
    "worktime_billing.locked": "Locked entries: {count}, invoice {ref}.",
    "worktime_billing.billed_title": "Billed periods",
    "worktime_billing.nothing_billed": "Nothing has been billed yet.",
    "worktime_billing.lock_row": "entries: {count} · {period} · locked {at}",
    "worktime_billing.unlock": "Unlock",
    "worktime_billing.unlock_title": "Unlock an invoice",
    "worktime_billing.unlock_help": "For corrections after an invoice was cancelled: the "
                                    "entries can change again. The reason goes to the audit log.",
    "worktime_billing.every_contract": "every contract",
    "worktime_billing.reason": "Reason",
    "worktime_billing.unlocked": "Unlocked entries: {count}, invoice {ref}.",
    # errors
    "worktime_billing.scope_required": "Choose what to lock.",
    "worktime_billing.day_required": "Give the day.",
    "worktime_billing.period_reversed": "The end comes before the start.",
    "worktime_billing.ref_required": "Give the invoice number.",
    "worktime_billing.ref_too_long": "At most {max} characters.",
    "worktime_billing.reason_required": "Say why the invoice is unlocked.",
    "worktime_billing.reason_too_long": "At most {max} characters.",
    "worktime_billing.nothing_to_unlock": "No billed entries carry the invoice number “{ref}”.",
}
