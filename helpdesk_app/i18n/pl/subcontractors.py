"""Polski: podwykonawcy (zgłoszenie 13) - przekazywanie zgłoszeń, co widzi podwykonawca,
umowy obsługiwane przez podwykonawcę."""

CATALOG: dict[str, str] = {
    # role i organizacje
    "useradmin.role.subcontractor": "Podwykonawca",
    "useradmin.org_kind_for_subcontractor": "Podwykonawcy należą do organizacji "
                                            "podwykonawcy.",
    "signin.role.subcontractor": "Podwykonawcy",
    "field_admin.role.subcontractor": "Podwykonawca",
    "orgadmin.contracts": "Obsługiwane umowy",
    "orgadmin.contracts_help": "Formularz przekazania proponuje tego podwykonawcę w "
                               "pierwszej kolejności dla zgłoszeń z tych umów.",
    "orgadmin.contracts_none": "Nie ma jeszcze żadnych umów.",
    "orgadmin.contracts_save": "Zapisz umowy",
    "orgadmin.contracts_saved": "Umowy zapisane.",
    # strony podwykonawcy
    "nav.tickets_handed": "Przekazane nam",
    "list.title_handed": "Zgłoszenia przekazane nam",
    "handover.no_longer_handed": "To zgłoszenie nie jest już Państwu przekazane: zostało "
                                 "wycofane lub zwrócone. Nic z niego nie jest już pokazywane.",
    "status.subcontractor_not_allowed": "Podwykonawca nie może ustawić tego statusu.",
    # panel przekazania
    "handover.title": "Podwykonawca",
    "handover.organisation": "Podwykonawca",
    "handover.person": "Osoba (opcjonalnie)",
    "handover.anyone": "Ktokolwiek z firmy",
    "handover.choose": "Wybierz…",
    "handover.suggested": "obsługuje tę umowę",
    "handover.note": "Uwagi dla podwykonawcy (opcjonalnie)",
    "handover.hand_over": "Przekaż",
    "handover.hand_over_selected": "Przekaż podwykonawcy…",
    "handover.no_subcontractors": "Nie ma jeszcze aktywnej organizacji podwykonawcy "
                                  "(Administracja → Organizacje).",
    "handover.done": "Przekazano.",
    "handover.withdrawn_done": "Wycofano: podwykonawca nie widzi już zgłoszenia.",
    "handover.state.handed": "Przekazane",
    "handover.state.accepted": "Przyjęte",
    "handover.by": "Przekazał(a)",
    "handover.withdraw": "Wycofaj",
    "handover.confirm_withdraw": "Wycofać zgłoszenie? Podwykonawca natychmiast straci do "
                                 "niego dostęp.",
    "handover.accept": "Przyjmij",
    "handover.return": "Zwróć",
    "handover.confirm_return": "Zwrócić zgłoszenie? Nie będzie już Państwu widoczne.",
    "handover.reason": "Powód (opcjonalnie)",
    "handover.cancel": "Anuluj",
    "reply.share_with": "Udostępnij notatkę firmie",
    # błędy
    "handover.note_too_long": "Uwagi są za długie (najwyżej {max} znaków).",
    "handover.already_handed": "Zgłoszenie {number} jest już przekazane: najpierw je wycofaj.",
    "handover.org_invalid": "Wybierz aktywną organizację podwykonawcy.",
    "handover.person_invalid": "Ta osoba nie pracuje u wybranego podwykonawcy.",
    "handover.already_accepted": "Zgłoszenie zostało już przyjęte.",
    "handover.not_handed": "Zgłoszenie nie jest przekazane.",
    "handover.not_subcontractor": "Umowy obsługuje tylko organizacja podwykonawcy.",
    "handover.contract_invalid": "Nieznana umowa.",
    "handover.share_not_handed": "Zgłoszenie nie jest przekazane: nie ma komu udostępnić "
                                 "notatki.",
    # oś czasu
    "event.handover": "Podwykonawca",
    "event.handover.handed": "przekazano firmie {organisation}{person}",
    "event.handover.accepted": "przyjęte przez {organisation}",
    "event.handover.returned": "zwrócone przez {organisation}",
    "event.handover.withdrawn": "wycofane od {organisation}",
    "event.handover.withdrawn_org_deactivated": "wycofane od {organisation}: firma została dezaktywowana",
    "event.internal_shared": "Wewnętrzna · udostępniona podwykonawcy",
    # powiadomienia
    "notification.handover.handed": "{number}: przekazane Państwu przez {actor}",
    "notification.handover.withdrawn": "{number}: wycofane przez {actor}",
    "notification.handover.accepted": "{number}: przyjęte przez {organisation} ({actor})",
    "notification.handover.returned": "{number}: zwrócone przez {organisation} ({actor})",
    "notification_prefs.event.handover": "Przekazanie podwykonawcy",
    "notification_prefs.staff_hint.handover": "Podwykonawca przyjął lub zwrócił zgłoszenie, "
                                              "które mu przekazałem",
    "notification_prefs.subcontractor_hint.handover": "Przekazano nam zgłoszenie lub je "
                                                      "wycofano",
    # poczta
    "mail.reason.subcontractor_not_handed": "Wiadomość od podwykonawcy, który nie ma "
                                            "przekazanego tego zgłoszenia: nie dołączono "
                                            "jej do żadnego zgłoszenia",
    # dziennik zdarzeń
    "audit.area.handover": "Podwykonawcy",
    "audit.action.handover.handed": "Przekazanie zgłoszenia podwykonawcy",
    "audit.action.handover.accepted": "Podwykonawca przyjął zgłoszenie",
    "audit.action.handover.returned": "Podwykonawca zwrócił zgłoszenie",
    "audit.action.handover.withdrawn": "Wycofanie zgłoszenia od podwykonawcy",
    "audit.action.handover.contracts_changed": "Zmiana umów obsługiwanych przez podwykonawcę",
}
