from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.avatar import person
from helpdesk_app.components.layout import SYNCED_TEXT, dropdown, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.components.sla_badge import sla_badge
from helpdesk_app.state.agent_list import AgentListState as A
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.views import RowView


def _sort_header(label, column: str, cls: str = "") -> rx.Component:
    arrow = rx.cond(A.sort == column, rx.cond(A.descending, " ↓", " ↑"), "")
    return rx.table.column_header_cell(
        # a button, not a link: an <a href="#"> would change the URL and reload the page
        rx.button(label, arrow, on_click=A.sort_by(column), variant="ghost", size="1",
                  color_scheme="gray", class_name="pm-sort", id=f"sort-{column}"),
        class_name=cls,
    )


CHANNEL_ICONS = {"email": "mail", "phone": "phone", "web": "globe", "chat": "message-circle"}


def _channel(r: RowView) -> rx.Component:
    """The channel as a small icon (its name on hover and for screen readers)."""
    return rx.el.span(
        rx.match(r.channel, *[(k, rx.icon(v, size=14)) for k, v in CHANNEL_ICONS.items()],
                 rx.icon("inbox", size=14)),
        class_name="pm-channel", title=r.channel_label, aria_label=r.channel_label,
        role="img",
    )


def _staff(component: rx.Component) -> rx.Component:
    """Only staff see it (a subcontractor's list has no queues, assignees, channels or bulk;
    it does have the SLA column)."""
    return rx.cond(S.is_staff, component)


def _row(r: RowView) -> rx.Component:
    """One ticket: a table row on wide screens, a card on phones (CSS, `layout` block)."""
    return rx.table.row(
        _staff(rx.table.cell(rx.checkbox(
            checked=A.page_selected.contains(r.id),
            on_change=lambda on: A.toggle_row(r.id, on),
            disabled=A.bulk_running, class_name="pm-select-row",
            custom_attrs={"aria-label": S.tr["bulk.select_row"]}), class_name="pm-c-sel")),
        rx.table.cell(rx.hstack(
            rx.link(r.number, href=routes.AGENT_TICKETS + r.number, class_name="pm-number"),
            rx.cond(r.is_key, rx.tooltip(rx.text("★", class_name="pm-key"),
                                         content=S.tr["sla.key_contract"])),
            _staff(_channel(r)),
            spacing="1", align="center"), class_name="pm-c-num"),
        rx.table.cell(
            rx.cond(r.unread, rx.el.span(
                class_name="pm-unread-dot", role="img", title=S.tr["list.unread"],
                aria_label=S.tr["list.unread"])),
            rx.link(r.subject, href=routes.AGENT_TICKETS + r.number),
            rx.el.div(r.requester, rx.cond(
                (r.organisation != "") & (r.organisation != r.requester),
                rx.el.span(" · ", r.organisation)), class_name="pm-who"),
            class_name="pm-subject"),
        rx.table.cell(rx.badge(r.status_label, variant="soft", class_name="pm-status"),
                      class_name="pm-c-status"),
        rx.table.cell(sla_badge(r.sla_state, r.sla_label, r.sla_due), class_name="pm-c-sla"),
        rx.table.cell(rx.text(r.priority_label, class_name="pm-prio-" + r.priority),
                      class_name="pm-c-prio"),
        _staff(rx.table.cell(r.queue, class_name="pm-c-queue")),
        _staff(rx.table.cell(rx.hstack(
            person(r.assignee, empty=S.tr["list.assignee_unassigned"]),
            # away now (issue 13): the mark says until when and who stands in
            rx.cond(r.assignee_away != "", rx.el.span(
                rx.icon("calendar-off", size=13), class_name="pm-away", role="img",
                title=r.assignee_away, aria_label=r.assignee_away)),
            spacing="1", align="center"), class_name="pm-c-assignee")),
        rx.table.cell(r.updated, class_name="pm-c-updated"),
        class_name=rx.cond(r.sla_state == "breached", "pm-row pm-breached", "pm-row")
        + rx.cond(r.unread, " pm-unread", ""),
        custom_attrs={"data-number": r.number,
                      "data-unread": rx.cond(r.unread, "true", "false")},
    )


def _chip(label, *, active, on_click, id: str, count=None) -> rx.Component:
    return rx.button(
        label, *([rx.badge(count, variant="surface", class_name="pm-queue-count")]
                 if count is not None else []),
        size="1", variant=rx.cond(active, "solid", "soft"), on_click=on_click, id=id,
        class_name="pm-chip", custom_attrs={"aria-pressed": rx.cond(active, "true", "false")},
    )


def _quick_filters() -> rx.Component:
    """One click to "mine" and "unassigned" (again to drop it), and the queues with their
    active ticket counts."""
    def toggle(value: str):
        return A.set_filter("f_assignee", rx.cond(A.f_assignee == value, "all", value))

    return rx.flex(
        _chip(S.tr["list.assignee_mine"], active=A.f_assignee == "mine",
              on_click=toggle("mine"), id="quick-mine"),
        _chip(S.tr["list.assignee_unassigned"], active=A.f_assignee == "unassigned",
              on_click=toggle("unassigned"), id="quick-unassigned"),
        # "Substituting for …" (issue 13): only while the agent stands in for someone
        rx.cond(A.covering_label != "", _chip(
            A.covering_chip,
            active=A.f_assignee == "covering", on_click=toggle("covering"),
            id="quick-covering")),
        rx.el.span(class_name="pm-chip-sep"),
        rx.flex(
            rx.text(S.tr["list.queues"], size="1", color_scheme="gray"),
            _chip(S.tr["list.all_queues"], active=A.f_queue == "", on_click=A.pick_queue(""),
                  id="queue-all"),
            rx.foreach(A.queue_counts, lambda q: _chip(
                q.label, active=A.f_queue == q.value, on_click=A.pick_queue(q.value),
                id="queue-" + q.value, count=q.count)),
            gap="0.4em", wrap="wrap", align="center", id="queue-counts",
        ),
        gap="0.4em", wrap="wrap", align="center", id="quick-filters", width="100%",
    )


def _set(name: str):
    return lambda v: A.set_filter(name, v)


def _filters() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(placeholder=S.tr["list.search"], value=A.search,
                         on_change=A.set_value("search"), id="search", name="search", width="auto",
                         **SYNCED_TEXT),
                rx.button(S.tr["list.search_go"], type="submit", id="search-go"),
            ),
            on_submit=A.apply_search, reset_on_submit=False,
        ),
        dropdown(A.status_opts, rx.cond(A.f_status == "", "all", A.f_status), _set("f_status"),
                 id="f-status",
                      placeholder=S.tr["list.any_status"], width="auto"),
        _staff(rx.fragment(
            dropdown(A.queue_opts, rx.cond(A.f_queue == "", "all", A.f_queue), _set("f_queue"),
                     id="f-queue", placeholder=S.tr["list.any_queue"], width="auto"),
            dropdown(A.agent_opts, rx.cond(A.f_assignee == "", "all", A.f_assignee),
                     _set("f_assignee"), id="f-assignee",
                     placeholder=S.tr["list.any_assignee"], width="auto"),
            dropdown(A.priority_opts, rx.cond(A.f_priority == "", "all", A.f_priority),
                     _set("f_priority"), id="f-priority",
                     placeholder=S.tr["list.any_priority"], width="auto"),
            dropdown(A.org_opts, rx.cond(A.f_org == "", "all", A.f_org), _set("f_org"),
                     id="f-org", placeholder=S.tr["list.any_org"], width="auto"),
            dropdown(A.channel_opts, rx.cond(A.f_channel == "", "all", A.f_channel),
                     _set("f_channel"), id="f-channel", placeholder=S.tr["list.any_channel"],
                     width="auto"),
            dropdown(A.sla_opts, rx.cond(A.f_sla == "", "all", A.f_sla), _set("f_sla"),
                     id="f-sla", placeholder=S.tr["list.any_sla"], width="auto"),
        )),
        rx.cond(A.field_opts.length() > 0, rx.hstack(
            dropdown(A.field_opts, rx.cond(A.f_field == "", "all", A.f_field),
                     A.set_field_filter, id="f-field", placeholder=S.tr["list.any_field"],
                     width="auto"),
            rx.cond(A.f_field != "", rx.cond(
                A.field_value_opts.length() > 0,
                dropdown(A.field_value_opts,
                         rx.cond(A.f_field_value == "", "all", A.f_field_value),
                         A.set_field_value, id="f-field-value", placeholder="—",
                         width="auto"),
                rx.input(value=A.f_field_value, on_change=A.set_field_value,
                         id="f-field-value", placeholder=S.tr["list.field_value_hint"],
                         width="auto", **SYNCED_TEXT),
            )),
            rx.cond(A.f_field != "", rx.button(
                S.tr["list.sort_by_field"],
                rx.cond(A.sort == "field", rx.cond(A.descending, " ↓", " ↑"), ""),
                on_click=A.sort_by("field"), variant="ghost", id="sort-field", size="2")),
            spacing="1", align="center",
        )),
        rx.button(S.tr["list.clear"], variant="soft", on_click=A.clear_filters, id="clear"),
        gap="0.5em", wrap="wrap", align="center", class_name="pm-filters pm-filters-part",
        id="filters",
    )


FILTERS_TOGGLE = "pm-filters-toggle"


def _filters_toggle() -> rx.Component:
    """Phones only (CSS): the filters stay folded behind this button. A checkbox and CSS, so
    it opens without a round trip; it must come before the filters (`:checked ~`)."""
    return rx.fragment(
        rx.el.input(type="checkbox", id=FILTERS_TOGGLE, class_name="pm-filters-check"),
        rx.el.label(rx.icon("sliders-horizontal", size=16), S.tr["list.filters"],
                    html_for=FILTERS_TOGGLE, id="filters-toggle",
                    class_name="pm-filters-button"),
    )


def _bulk_dropdown(opts, value, on_change, *, id: str, label, width: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        dropdown(opts, value, on_change, id=id, placeholder=S.tr["bulk.no_change"],
                 width=width),
        spacing="0",
    )


def _bulk_result() -> rx.Component:
    return rx.callout.root(
        rx.vstack(
            rx.hstack(
                rx.text(S.tr["bulk.result_ok"], ": ", rx.el.b(A.bulk_ok, id="bulk-ok")),
                rx.text(S.tr["bulk.result_failed"], ": ",
                        rx.el.b(A.bulk_failed, id="bulk-failed")),
                rx.spacer(),
                rx.button(S.tr["bulk.dismiss"], size="1", variant="ghost",
                          on_click=A.dismiss_bulk_result, id="bulk-dismiss"),
                width="100%", align="center",
            ),
            rx.cond(A.bulk_failures.length() > 0, rx.el.ul(
                rx.foreach(A.bulk_failures, lambda f: rx.el.li(
                    rx.text.strong(f.number), " — ", f.reason, class_name="pm-bulk-failure")),
                id="bulk-failures", style={"margin": "0", "padding_left": "1.2em"},
            )),
            spacing="2", width="100%",
        ),
        color=rx.cond(A.bulk_failed > 0, "amber", "green"), width="100%", id="bulk-result",
    )


def _bulk_bar() -> rx.Component:
    """Selection summary, the change to apply, progress and the result of the last run."""
    selection = rx.hstack(
        rx.text(S.tr["bulk.selected"], ": ", rx.el.b(A.selected_count, id="bulk-count"),
                size="2"),
        rx.cond(
            A.all_matching,
            rx.text(S.tr["bulk.all_matching_selected"],
                    rx.cond(A.selection_capped, " (" + S.tr["bulk.capped"] + ")", ""),
                    size="2", id="bulk-all-matching"),
            rx.cond(A.total > A.selected_count, rx.button(
                S.tr["bulk.select_all_matching"], " (", A.total,
                rx.cond(A.total_capped, "+", ""), ")", size="1", variant="soft",
                on_click=A.select_all_matching, id="bulk-select-all",
                disabled=A.bulk_running)),
        ),
        rx.cond(A.selected_count > 0, rx.button(
            S.tr["bulk.clear_selection"], size="1", variant="ghost",
            on_click=A.clear_selection, id="bulk-clear", disabled=A.bulk_running)),
        align="center", spacing="3", wrap="wrap",
    )
    actions = rx.flex(
        _bulk_dropdown(A.bulk_status_opts, A.b_status, A.set_value("b_status"), id="bulk-status",
                     label=S.tr["col.status"], width="10em"),
        _bulk_dropdown(A.bulk_assignee_opts, A.b_assignee, A.set_value("b_assignee"),
                     id="bulk-assignee", label=S.tr["col.assignee"], width="12em"),
        _bulk_dropdown(A.queue_opts, A.b_queue, A.set_value("b_queue"), id="bulk-queue",
                     label=S.tr["col.queue"], width="12em"),
        _bulk_dropdown(A.priority_opts, A.b_priority, A.set_value("b_priority"), id="bulk-priority",
                     label=S.tr["col.priority"], width="9em"),
        rx.button(S.tr["bulk.apply"], on_click=A.apply_bulk, id="bulk-apply",
                  loading=A.bulk_running, disabled=A.bulk_running),
        gap="0.5em", wrap="wrap", align="end",
    )
    return rx.vstack(
        selection,
        rx.cond(A.selected_count > 0, actions),
        rx.cond((A.selected_count > 0) & ((S.user_role == "admin")
                                          | (S.user_role == "coordinator")), _handover_bar()),
        rx.cond(A.bulk_error != "", rx.text(A.bulk_error, color_scheme="red", size="2",
                                            id="bulk-error")),
        rx.cond(A.bulk_running, rx.vstack(
            rx.text(S.tr["bulk.running"], " ", A.bulk_done, " / ", A.bulk_total, size="2",
                    id="bulk-progress-text"),
            rx.progress(value=rx.cond(A.bulk_total > 0, A.bulk_done * 100 / A.bulk_total, 0),
                        id="bulk-progress"),
            width="100%",
        )),
        rx.cond(A.bulk_ran, _bulk_result()),
        width="100%", spacing="2", id="bulk-bar",
    )


def _handover_bar() -> rx.Component:
    """Coordinators: hand the selection to a subcontractor (those serving the selected
    tickets' contracts first); the result shows like a bulk change's."""
    return rx.cond(
        A.handover_open,
        rx.flex(
            rx.vstack(rx.text(S.tr["handover.organisation"], size="1", color_scheme="gray"),
                      dropdown(A.sub_opts, A.b_sub, A.set_value("b_sub"), id="bulk-sub",
                               width="16em"), spacing="0"),
            rx.button(S.tr["handover.hand_over"], on_click=A.apply_handover,
                      id="bulk-handover-apply", disabled=A.bulk_running | (A.b_sub == "")),
            rx.button(S.tr["handover.cancel"], on_click=A.close_handover, variant="ghost",
                      id="bulk-handover-cancel"),
            gap="0.5em", wrap="wrap", align="end", id="bulk-handover"),
        rx.button(S.tr["handover.hand_over_selected"], on_click=A.open_handover, size="1",
                  variant="soft", id="bulk-handover-open", disabled=A.bulk_running),
    )


def _search_note() -> rx.Component:
    """The list remembers its search when the agent comes back: say so, with a way out."""
    return rx.cond(A.shown_search != "", rx.callout.root(
        rx.callout.text(
            S.tr["list.search_note"], rx.el.b(A.shown_search, id="search-note-text"),
            S.tr["list.quote_close"], " — ",
            rx.button(S.tr["list.search_clear"], size="1", variant="ghost",
                      on_click=A.clear_search, id="search-clear")),
        size="1", color="gray", id="search-note", width="100%"))


# Staff, and subcontractors for the tickets handed to them (the access policy decides).
@page(routes.AGENT, title_key="page.tickets", roles=routes.AGENTS,
      on_load=A.on_load, max_width="1500px")
def agent_list_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(rx.cond(S.is_staff, S.tr["list.title"], S.tr["list.title_handed"]),
                       size="5"),
            rx.spacer(),
            _staff(rx.link(rx.button(S.tr["nav.new_ticket"]), href=routes.AGENT_NEW)),
            width="100%", align="center",
        ),
        _staff(_quick_filters()),
        rx.box(_filters_toggle(), _filters(), width="100%", class_name="pm-filter-box"),
        error_callout(A.error),
        # a custom role may lack bulk edits (domain/bulk.py refuses them anyway)
        rx.cond(S.user_perms.contains("tickets.bulk_edit"), _bulk_bar()),
        _search_note(),
        rx.table.root(
            rx.table.header(rx.table.row(
                _staff(rx.table.column_header_cell(rx.checkbox(
                    checked=A.page_all_selected, on_change=A.toggle_page,
                    disabled=A.bulk_running, id="select-page",
                    custom_attrs={"aria-label": S.tr["bulk.select_page"]}),
                    class_name="pm-c-sel")),
                _sort_header(S.tr["col.number"], "number"),
                rx.table.column_header_cell(S.tr["col.subject"]),
                _sort_header(S.tr["col.status"], "status"),
                _sort_header(S.tr["col.sla"], "due"),
                _sort_header(S.tr["col.priority"], "priority"),
                _staff(rx.table.column_header_cell(S.tr["col.queue"])),
                _staff(rx.table.column_header_cell(S.tr["col.assignee"])),
                _sort_header(S.tr["col.updated"], "updated"),
            )),
            rx.table.body(rx.foreach(A.rows, _row)),
            size="1", class_name="pm-ticket-table", id="ticket-table", width="100%",
        ),
        rx.cond(A.rows.length() == 0, rx.text(
            rx.cond(A.shown_search != "",
                    S.tr["list.empty_search"] + A.shown_search + S.tr["list.quote_close"],
                    S.tr["list.empty"]), id="list-empty")),
        rx.hstack(
            rx.button("‹", on_click=A.prev_page, disabled=A.page <= 1, id="prev-page",
                      variant="soft"),
            rx.text(A.page, " / ", A.page_count, id="page-info"),
            rx.button("›", on_click=A.next_page, disabled=A.page >= A.page_count,
                      id="next-page", variant="soft"),
            rx.text(S.tr["list.total"], ": ", A.total,
                    rx.cond(A.total_capped, "+", ""), id="total", size="2"),
            align="center", wrap="wrap",
        ),
        rx.el.span(A.refreshed, id="live-refreshed", hidden=True),
        width="100%", spacing="3",
    )
