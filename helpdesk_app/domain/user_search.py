"""What the people pickers search: a user's name and e-mail folded to lower case, kept in
`user_account.search_text` for every ORM write of a user (listeners registered when the
domain package is imported). Bulk inserts that bypass the ORM call `search_text` themselves.
"""

from __future__ import annotations

from sqlalchemy import event

from helpdesk_app.models import User

SEARCH_TEXT_MAX = 600


def search_text(full_name: str, email: str) -> str:
    """Python's lower() folds Polish capitals (Ł, Ś, Ż) the same way for the stored text
    and the typed words, so a plain LIKE finds "łukasz" in "Łukasz"."""
    return f"{full_name or ''} {email or ''}".lower()[:SEARCH_TEXT_MAX]


def words(text: str) -> list[str]:
    """The typed words as LIKE patterns (at most five, wildcards escaped)."""
    out = []
    for word in (text or "").lower().split()[:5]:
        escaped = word[:80].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(f"%{escaped}%")
    return out


def _keep(_mapper, _connection, user: User) -> None:
    user.search_text = search_text(user.full_name, user.email)


event.listen(User, "before_insert", _keep)
event.listen(User, "before_update", _keep)
