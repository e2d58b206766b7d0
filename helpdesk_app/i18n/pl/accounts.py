"""Polski: pierwsze uruchomienie, zaproszenia, reset hasła, zasady haseł (i12-setup)."""

CATALOG: dict[str, str] = {
    # zasady haseł (domain/passwords.py)
    "auth.password_too_long": "Hasło może mieć najwyżej {max} znaków.",
    "auth.password_personal": "Hasło nie może być Twoim adresem e-mail ani imieniem "
                              "i nazwiskiem.",
    "auth.password_common": "To hasło jest na liście najczęściej używanych haseł; "
                            "wybierz inne.",
    # tytuły kart
    "page.setup": "Pierwsze uruchomienie",
    "page.invite": "Zaproszenie",
    "page.reset": "Nie pamiętam hasła",
    "page.reset_password": "Nowe hasło",
    # pierwsze uruchomienie (/setup)
    "setup.title": "Witamy w systemie Pomocnik",
    "setup.intro": "Nikt nie może się jeszcze zalogować. Podaj nazwę firmy i utwórz konto "
                   "pierwszego administratora.",
    "setup.provider_name": "Usługodawca (Twoja firma)",
    "setup.admin_name": "Imię i nazwisko administratora",
    "setup.admin_email": "E-mail administratora",
    "setup.language": "Domyślny język",
    "setup.timezone": "Strefa czasowa",
    "setup.submit": "Zakończ konfigurację",
    "setup.done": "Konfiguracja zakończona. Zaloguj się na konto administratora.",
    "setup.provider_required": "Podaj nazwę firmy.",
    "setup.provider_taken": "Organizacja o tej nazwie już istnieje.",
    "setup.name_required": "Podaj imię i nazwisko administratora.",
    "setup.email_invalid": "Podaj poprawny adres e-mail.",
    "setup.email_taken": "Konto z tym adresem e-mail już istnieje.",
    "setup.too_long": "Najwyżej {max} znaków.",
    "setup.already_done": "Konfiguracja została już zakończona. Zaloguj się.",
    "setup.no_provider": "System nie ma jeszcze usługodawcy: najpierw dokończ konfigurację.",
    "lang.pl": "Polski",
    "lang.en": "English",
    # ustawianie hasła z linku (zaproszenie, reset)
    "account.new_password": "Nowe hasło",
    "account.repeat_password": "Powtórz hasło",
    "account.password_hint": "Co najmniej {min} znaków; nie imię, nazwisko ani e-mail, "
                             "nie popularne hasło.",
    "account.password_mismatch": "Hasła nie są takie same.",
    "account.link_invalid": "Ten link jest nieprawidłowy, wygasł lub został już użyty.",
    "account.done": "Hasło zostało ustawione. Możesz się teraz zalogować.",
    "account.to_login": "Przejdź do logowania",
    "account.user_not_found": "Nie ma takiego użytkownika.",
    "account.invite_inactive": "Konto (lub jego organizacja) jest nieaktywne: aktywuj je "
                               "przed wysłaniem zaproszenia.",
    "account.invite_unmailable": "Nie udało się przygotować zaproszenia na ten adres e-mail.",
    # zaproszenie (/invite/<token>)
    "invite.title": "Witaj, {name}",
    "invite.intro": "Ustaw hasło do konta {email}.",
    "invite.submit": "Ustaw hasło",
    "invite.invalid": "Poproś administratora o wysłanie nowego zaproszenia.",
    # reset hasła (/reset, /reset/<token>)
    "login.forgot": "Nie pamiętasz hasła?",
    "reset.title": "Nie pamiętam hasła",
    "reset.intro": "Podaj adres e-mail swojego konta, a wyślemy link do ustawienia nowego "
                   "hasła.",
    "reset.email": "E-mail",
    "reset.submit": "Wyślij link",
    "reset.sent": "Jeśli ten adres należy do konta, wysłaliśmy na niego link do ustawienia "
                  "nowego hasła. Link jest ważny przez {minutes} min.",
    "reset.back": "Wróć do logowania",
    "reset.form_title": "Ustaw nowe hasło",
    "reset.form_intro": "Wybierz nowe hasło do konta {email}.",
    "reset.form_submit": "Zapisz nowe hasło",
    "reset.request_new": "Poproś o nowy link",
}
