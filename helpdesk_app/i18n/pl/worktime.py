"""Polski: czas pracy i jego wycena do faktur (issue 14)."""

CATALOG: dict[str, str] = {
    # reguły stawek
    "rating.rate_invalid": "Stawka godzinowa musi być całkowitą kwotą w groszach, zero lub więcej.",
    "rating.currency_invalid": "Nieznana waluta „{currency}”: podaj trzyliterowy kod, np. PLN albo EUR.",
    "rating.rounding_unknown": "Nieznany sposób zaokrąglania „{rounding}”: wybierz brak, w górę albo do najbliższego.",
    "rating.rounding_minutes_missing": "Zaokrąglanie w górę lub do najbliższego wymaga długości bloku w minutach, np. 15.",
    "rating.rounding_minutes_invalid": "Blok zaokrąglania musi mieć od 1 do {max} minut.",
    "rating.minimum_invalid": "Minimum za wizytę musi wynosić od 0 do {max} minut.",
    "rating.after_hours_pct_invalid": "Stawka poza godzinami pracy musi wynosić od 1 do {max} %.",
    "rating.weekend_pct_invalid": "Stawka w weekendy i święta musi wynosić od 1 do {max} %.",
    "rating.on_site_pct_invalid": "Stawka za pracę u klienta musi wynosić od 1 do {max} %.",
    # wpisy czasu pracy
    "rating.seconds_negative": "Czas pracy nie może być ujemny.",
    "rating.span_reversed": "Okres pracy musi kończyć się później, niż się zaczyna.",
    "rating.spans_overlap": "Okresy pracy nakładają się.",
}
