"""Tożsamość nadawców poczty (zgłoszenie 12): dlaczego wiadomość trafiła tam, gdzie jest."""

CATALOG: dict[str, str] = {
    "mail.reason.staff_unverified":
        "Adres pracownika w polu Od, ale niezweryfikowany (brak naszego tokenu odpowiedzi dla "
        "tego adresu i potwierdzenia zaufanego serwera): nie przyjęto jako pracownika",
    "mail.reason.foreign_ticket":
        "Nowe zgłoszenie: nadawca nie może pisać w zgłoszeniu, do którego odnosiła się "
        "wiadomość",
}
