"""Polski: bezpieczeństwo logowania — drugi krok, 2FA, kody odzyskiwania, moje sesje, alerty."""

CATALOG: dict[str, str] = {
    "page.security_settings": "Bezpieczeństwo",
    "page.admin_security": "Bezpieczeństwo logowania",
    "nav.security": "Bezpieczeństwo",
    "nav.admin_security": "Bezpieczeństwo logowania",
    # logowanie, drugi krok
    "signin.second_step": "Drugi krok: potwierdź, że to Ty",
    "signin.totp_label": "Kod z aplikacji uwierzytelniającej",
    "signin.email_label": "Kod z wiadomości e-mail",
    "signin.recovery_label": "Kod odzyskiwania",
    "signin.verify": "Potwierdź",
    "signin.send_code": "Wyślij mi kod e-mailem",
    "signin.code_sent": "Wysłaliśmy 6-cyfrowy kod na Twój adres e-mail. Jest ważny 10 minut.",
    "signin.use_totp": "Użyj aplikacji uwierzytelniającej",
    "signin.use_email": "Użyj kodu z e-maila",
    "signin.use_recovery": "Użyj kodu odzyskiwania",
    "signin.start_again_link": "Zacznij od nowa",
    "signin.start_again": "Logowanie wygasło lub podano za dużo błędnych kodów. Zaloguj się "
                          "ponownie.",
    "signin.too_many_codes": "Wysłano już zbyt wiele kodów. Zaloguj się ponownie za chwilę.",
    "signin.wrong_code": "Ten kod jest nieprawidłowy. Sprawdź go i spróbuj ponownie.",
    "signin.enrol_required": "Twoja rola wymaga logowania dwuetapowego. Zeskanuj ten kod QR "
                             "aplikacją uwierzytelniającą (albo wpisz klucz poniżej), a potem "
                             "wpisz kod, który pokaże.",
    "signin.qr_alt": "Kod QR dla aplikacji uwierzytelniającej",
    "signin.secret_label": "Klucz do wpisania ręcznie:",
    "signin.codes_once": "Twoje kody odzyskiwania. Każdy działa raz, gdy zgubisz telefon. "
                         "Zapisz je teraz: pokazujemy je tylko ten jeden raz.",
    "signin.codes_saved": "Zapisałem kody — dalej",
    # strona bezpieczeństwa
    "signin.security_title": "Bezpieczeństwo",
    "signin.change_password": "Zmień hasło",
    "signin.current_password": "Obecne hasło",
    "signin.new_password": "Nowe hasło",
    "signin.repeat_password": "Powtórz nowe hasło",
    "signin.wrong_password": "Hasło jest nieprawidłowe.",
    "signin.passwords_differ": "Nowe hasła różnią się.",
    "signin.password_changed": "Hasło zmienione. Wylogowane sesje na innych urządzeniach: "
                               "{count}.",
    "signin.two_factor": "Logowanie dwuetapowe",
    "signin.required_for_you": "Twoja rola wymaga drugiego składnika: możesz wyłączyć jeden "
                               "tylko wtedy, gdy inny pozostaje włączony.",
    "signin.confirm_with_password": "Twoje hasło (potrzebne do zmiany składnika)",
    "signin.totp": "Aplikacja uwierzytelniająca",
    "signin.email_factor": "Kod e-mailem",
    "signin.on": "włączone",
    "signin.off": "wyłączone",
    "signin.set_up_totp": "Skonfiguruj",
    "signin.enable_email": "Włącz",
    "signin.disable": "Wyłącz",
    "signin.cancel": "Anuluj",
    "signin.scan_qr": "Zeskanuj kod QR aplikacją uwierzytelniającą i wpisz kod, który "
                      "pokaże.",
    "signin.totp_on": "Aplikacja uwierzytelniająca jest włączona.",
    "signin.email_on": "Kody e-mailem są włączone.",
    "signin.factor_off": "Składnik został wyłączony.",
    "signin.totp_already_on": "Aplikacja uwierzytelniająca jest już włączona.",
    "signin.totp_not_started": "Rozpocznij konfigurację od nowa.",
    "signin.unknown_factor": "Nieznany składnik.",
    "signin.factor_required": "Twoja rola wymaga drugiego składnika: najpierw włącz inny.",
    "signin.no_factor": "Najpierw włącz jakiś składnik.",
    "signin.no_email_factor": "Kody e-mailem nie są włączone dla tego konta.",
    "signin.recovery_left": "Pozostałe kody odzyskiwania:",
    "signin.new_codes": "Nowe kody odzyskiwania",
    "signin.my_sessions": "Moje sesje",
    "signin.this_session": "to urządzenie",
    "signin.last_seen": "ostatnio aktywna",
    "signin.sign_out_this": "Wyloguj",
    "signin.sign_out_others": "Wyloguj wszystkie inne sesje",
    "signin.session_ended": "Sesja została wylogowana.",
    "signin.others_ended": "Wylogowane inne sesje: {count}.",
    # strona administratora
    "signin.admin_title": "Bezpieczeństwo logowania",
    "signin.require_2fa": "Logowanie dwuetapowe wymagane dla",
    "signin.require_2fa_help": "Użytkownicy zaznaczonej roli muszą skonfigurować drugi "
                               "składnik przy następnym logowaniu.",
    "signin.role.admin": "Administratorzy",
    "signin.role.coordinator": "Koordynatorzy",
    "signin.role.technician": "Technicy",
    "signin.role.client": "Klienci",
    "signin.unknown_role": "Nieznana rola.",
    "signin.reset_factors": "Zresetuj drugie składniki użytkownika",
    "signin.reset_factors_help": "Na wypadek zgubionego telefonu: usuwa składniki i kody "
                                 "odzyskiwania użytkownika i wylogowuje go wszędzie.",
    "signin.no_such_user": "Nie ma użytkownika o tym adresie e-mail.",
    "signin.factors_reset": "Drugie składniki użytkownika {email} zostały zresetowane.",
    "signin.subscribe_alerts": "Wysyłaj mi alerty logowania wszystkich użytkowników",
    # wiadomości
    "signin.mail.code.subject": "Twój kod logowania do Pomocnika",
    "signin.mail.code.text": "Twój kod logowania do Pomocnika to {code}.\n\nJest ważny "
                             "{minutes} minut i działa jeden raz. Jeśli to nie Ty próbujesz "
                             "się zalogować, zmień hasło.",
    "signin.mail.new_device.subject": "Nowe logowanie do Twojego konta w Pomocniku",
    "signin.mail.new_device.text": "Ktoś zalogował się na Twoje konto z nowego urządzenia.\n\n"
                                   "Kiedy: {when}\nAdres: {address}\nPrzeglądarka: {browser}"
                                   "\n\nJeśli to nie Ty, zmień hasło i wyloguj pozostałe sesje "
                                   "na stronie Bezpieczeństwo.",
    "signin.mail.failed.subject": "Nieudane próby logowania na Twoje konto w Pomocniku",
    "signin.mail.failed.text": "Było {count} nieudanych prób logowania na Twoje konto "
                               "(ostatnia: {when}).\n\nJeśli to nie Ty, nic nie musisz robić: "
                               "kolejne próby są spowalniane. Rozważ włączenie drugiego "
                               "składnika na stronie Bezpieczeństwo.",
    "signin.mail.admin_new_device.subject": "Alert logowania: nowe urządzenie — {account}",
    "signin.mail.admin_new_device.text": "{account} zalogował(a) się z nowego urządzenia.\n\n"
                                         "Kiedy: {when}\nAdres: {address}\nPrzeglądarka: "
                                         "{browser}",
    "signin.mail.admin_failed.subject": "Alert logowania: nieudane próby — {account}",
    "signin.mail.admin_failed.text": "{count} nieudanych prób logowania na konto {account} "
                                     "(ostatnia: {when}).",
}
