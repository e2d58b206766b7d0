"""Every UI string goes through the catalogs: both languages have every key the code uses."""

from __future__ import annotations

import re
from pathlib import Path

from helpdesk_app.domain.tickets import SLA_FILTERS
from helpdesk_app.domain.workflow import COLOURS
from helpdesk_app.i18n import CATALOGS, format_datetime, t
from helpdesk_app.models import (
    Channel,
    EventKind,
    FieldType,
    Priority,
    RequiredOn,
    SlaEffect,
    Status,
    StatusCategory,
)

APP = Path(__file__).resolve().parents[2] / "helpdesk_app"
_USES = [
    re.compile(r'tr\["([a-z_.0-9]+)"\]'),
    re.compile(r'_t\("([a-z_.0-9]+)"'),
    re.compile(r'(?:Invalid|NotFound|Forbidden|Conflict|AuthFailed)\("([a-z_.0-9]+)"'),
    re.compile(r'^\s+key = "([a-z_.]+)"', re.M),
    re.compile(r'title_key="([a-z_.0-9]+)"'),  # @page tab titles
]


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in _USES:
            keys.update(pattern.findall(text))
    # Keys built from vocabularies at run time.
    keys |= {f"status.{s}" for s in Status.ALL} | {f"priority.{p}" for p in Priority.ALL}
    keys |= {f"channel.{c}" for c in Channel.ALL}
    keys |= {f"event.{k}" for k in EventKind.ALL}
    keys |= {f"sla.{s}" for s in ("none", "running", "warning", "breached", "paused", "met")}
    keys |= {f"list.sla.{f}" for f in SLA_FILTERS}
    keys |= {"sla.clock.reaction", "sla.clock.resolution"}
    keys |= {f"status_category.{c}" for c in StatusCategory.ALL}
    # admin pages build these from vocabularies at run time
    keys |= {f"workflow.sla.{e}" for e in SlaEffect.ALL} | {"workflow.flag.sub_hidden"}
    keys |= {f"colour.{c}" for c in COLOURS}
    keys |= {f"field_type.{ft}" for ft in FieldType.ALL}
    keys |= {f"field_admin.required.{r}" for r in RequiredOn.ALL}
    keys |= {f"field_admin.effect.{e}" for e in ("show", "require", "options")}
    keys |= {f"field_admin.role.{r}" for r in ("admin", "coordinator", "technician", "client")}
    return {k for k in keys if "." in k}  # drop "key" from docstrings


def test_catalogs_have_the_same_keys():
    assert set(CATALOGS["pl"]) == set(CATALOGS["en"])


def test_every_used_key_is_translated():
    used = _used_keys()
    assert len(used) > 50  # the scan itself works
    for lang, catalog in CATALOGS.items():
        missing = sorted(used - set(catalog))
        assert not missing, f"{lang} lacks {missing}"


def test_placeholders_match_between_languages():
    field = re.compile(r"\{(\w+)\}")
    for key, en in CATALOGS["en"].items():
        assert set(field.findall(en)) == set(field.findall(CATALOGS["pl"][key])), key


def test_translation_and_formatting():
    assert t("status.pending", "pl") == "Oczekuje na klienta"
    assert t("status.pending", "en") == "Waiting for client"
    assert t("attachment.too_large", "en", name="a.pdf", max_mb=20).startswith("The file “a.pdf”")
    assert t("no.such.key", "pl") == "no.such.key"
    from datetime import UTC, datetime

    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 12:00 in Warsaw (CEST)
    winter = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Warsaw (CET)
    assert format_datetime(summer, "pl", "Europe/Warsaw") == "1.07.2026, 12:00"
    assert "11:00" in format_datetime(winter, "en", "Europe/Warsaw")
    assert format_datetime(winter, "en", "Europe/Warsaw").startswith("01/12/2026")
