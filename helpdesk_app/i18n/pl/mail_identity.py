"""Tożsamość nadawców poczty (zgłoszenie 12): dlaczego wiadomość trafiła tam, gdzie jest."""

CATALOG: dict[str, str] = {
    "mail.reason.staff_unverified":
        "Adres pracownika w polu Od, ale niezweryfikowany (brak naszego tokenu odpowiedzi dla "
        "tego adresu i potwierdzenia zaufanego serwera): nie przyjęto jako pracownika",
    "mail.reason.foreign_ticket":
        "Nowe zgłoszenie: nadawca nie może pisać w zgłoszeniu, do którego odnosiła się "
        "wiadomość",
    "mail_identity.trusted_relays":
        "Poczta pracowników jest też zaufana, gdy potwierdzi ją jeden z tych serwerów (DKIM/DMARC):",
    "mail_identity.no_trusted_relay": "brak (liczą się tylko odpowiedzi na naszą pocztę)",
}
