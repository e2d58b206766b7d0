"""Polski: konfiguracja czasu pracy i rozliczenia (issue 14) - /admin/worktime: rodzaje
czynności, stawki umów, blokowanie rozliczonego czasu i jego odblokowanie."""

CATALOG: dict[str, str] = {
    "page.admin_worktime": "Czas pracy i rozliczenia",
    "nav.admin_worktime": "Czas pracy",
    "worktime_admin.title": "Czas pracy i rozliczenia",
    # rodzaje czynności
    "worktime_admin.activities": "Rodzaje czynności",
    "worktime_admin.activities_help": "Jakie rodzaje pracy się rejestruje. Nowy wpis "
                                      "dostaje ustawienia swojego rodzaju (płatny, na "
                                      "miejscu). Używanego rodzaju się nie usuwa, tylko "
                                      "wyłącza.",
    "worktime_admin.no_activities": "Nie ma jeszcze rodzajów czynności: dodaj pierwszy "
                                    "poniżej.",
    "worktime_admin.new_activity": "Nowy rodzaj czynności",
    "worktime_admin.edit_activity": "Edycja rodzaju czynności",
    "worktime_admin.key": "Klucz",
    "worktime_admin.default_billable": "Domyślnie płatny",
    "worktime_admin.default_on_site": "Domyślnie na miejscu",
    "worktime_admin.order": "Kolejność",
    "worktime_admin.deactivate": "Wyłącz",
    "worktime_admin.reactivate": "Włącz ponownie",
    "worktime_admin.billable": "płatny",
    "worktime_admin.not_billable": "niepłatny",
    "worktime_admin.on_site": "na miejscu",
    "worktime_admin.used_by": "wpisów: {count}",
    "worktime_admin.inactive": "wyłączony",
    "worktime_admin.activity_saved": "Zapisano rodzaj czynności.",
    "worktime_admin.activity_active": "Rodzaj czynności włączony ponownie.",
    "worktime_admin.activity_inactive": "Rodzaj czynności wyłączony: nie jest już "
                                        "proponowany.",
    # stawki
    "worktime_admin.rates": "Stawki umów",
    "worktime_admin.pick_contract": "Wybierz umowę, by zobaczyć i zmienić jej stawkę.",
    "worktime_admin.no_contracts": "Nie ma jeszcze umów: zakłada się je na stronie "
                                   "konfiguracji SLA.",
    "worktime_admin.hourly_rate": "Stawka godzinowa",
    "worktime_admin.currency": "Waluta",
    "worktime_admin.rounding": "Zaokrąglanie",
    "worktime_admin.rounding.none": "Bez (pełne minuty)",
    "worktime_admin.rounding.up": "W górę, każdy rozpoczęty blok",
    "worktime_admin.rounding.nearest": "Do najbliższego bloku",
    "worktime_admin.block": "Blok (minuty)",
    "worktime_admin.minimum": "Minimum za wizytę (minuty)",
    "worktime_admin.after_hours_pct": "Po godzinach (%)",
    "worktime_admin.weekend_pct": "Weekendy i święta (%)",
    "worktime_admin.on_site_pct": "Na miejscu (%)",
    "worktime_admin.rate_help": "Procenty mnożą stawkę godzinową: 100 to stawka zwykła, "
                                "150 o połowę więcej. „Na miejscu” mnoży pozostałe.",
    "worktime_admin.no_rate_yet": "Brak stawki: praca w ramach tej umowy nic nie kosztuje.",
    "worktime_admin.rate_note": "Zmiana przelicza nierozliczone wpisy ({unlocked}); "
                                "rozliczone ({locked}) zachowują swoje kwoty.",
    "worktime_admin.rate_saved": "Zapisano stawkę; przeliczone nierozliczone wpisy: {count}.",
    "worktime_admin.rerating": "Przeliczanie nierozliczonych wpisów…",
    "worktime_admin.rate_unchanged": "Nic się nie zmieniło.",
    # błędy
    "worktime_admin.key_invalid": "Klucz to 2–40 małych liter, cyfr lub _, zaczyna się "
                                  "literą.",
    "worktime_admin.key_taken": "Klucz „{key}” jest zajęty.",
    "worktime_admin.name_required": "Podaj nazwę.",
    "worktime_admin.name_too_long": "Najwyżej {max} znaków.",
    "worktime_admin.number_invalid": "„{value}” to nie liczba całkowita.",
    "worktime_admin.rate_format": "„{value}” to nie kwota: wpisz np. 180,00 (najwyżej dwa "
                                  "miejsca po przecinku).",
    "worktime_admin.rate_too_high": "Najwyżej {max} za godzinę.",
    "worktime_admin.activity_not_found": "Ten rodzaj czynności nie istnieje (już).",
    "worktime_admin.contract_not_found": "Ta umowa nie istnieje (już).",
    # blokowanie
    "worktime_billing.lock_title": "Blokowanie rozliczonego czasu",
    "worktime_billing.lock_help": "Gdy okres jest zafakturowany, zablokuj go: jego wpisy "
                                  "nie mogą się już zmienić i zachowują kwoty. Odblokować "
                                  "może tylko administrator.",
    "worktime_billing.scope": "Zablokuj",
    "worktime_billing.kind.contract": "Jedną umowę",
    "worktime_billing.kind.organisation": "Wszystkie umowy organizacji",
    "worktime_billing.from": "Od",
    "worktime_billing.to": "Do",
    "worktime_billing.ref": "Numer faktury",
    "worktime_billing.lock": "Zablokuj",
    "worktime_billing.preview": "Do zablokowania: wpisów {count} · przepracowano {worked} "
                                "· do rozliczenia {billed} · {amount}",
    "worktime_billing.preview_none": "W tym okresie nie ma nierozliczonych wpisów.",
    "worktime_billing.preview_capped": "W tym zatrzymanych automatycznie (zapomniany "
                                       "stoper): {count}; sprawdź je najpierw.",
    "worktime_billing.confirm_lock": "Zablokować ten okres pod fakturą",
    "worktime_billing.confirm_help": "Zablokowanych wpisów nie można zmienić ani usunąć.",
    "worktime_billing.locked": "Zablokowane wpisy: {count}, faktura {ref}.",
    "worktime_billing.billed_title": "Rozliczone okresy",
    "worktime_billing.nothing_billed": "Nic jeszcze nie rozliczono.",
    "worktime_billing.lock_row": "wpisów: {count} · {period} · zablokowano {at}",
    "worktime_billing.unlock": "Odblokuj",
    "worktime_billing.unlock_title": "Odblokowanie faktury",
    "worktime_billing.unlock_help": "Do korekt po anulowaniu faktury: wpisy znów można "
                                    "zmieniać. Powód trafia do dziennika zdarzeń.",
    "worktime_billing.every_contract": "wszystkie umowy",
    "worktime_billing.reason": "Powód",
    "worktime_billing.unlocked": "Odblokowane wpisy: {count}, faktura {ref}.",
    # błędy
    "worktime_billing.scope_required": "Wybierz, co zablokować.",
    "worktime_billing.day_required": "Podaj dzień.",
    "worktime_billing.period_reversed": "Koniec jest przed początkiem.",
    "worktime_billing.ref_required": "Podaj numer faktury.",
    "worktime_billing.ref_too_long": "Najwyżej {max} znaków.",
    "worktime_billing.reason_required": "Podaj powód odblokowania.",
    "worktime_billing.reason_too_long": "Najwyżej {max} znaków.",
    "worktime_billing.nothing_to_unlock": "Żaden rozliczony wpis nie ma numeru faktury "
                                          "„{ref}”.",
}
