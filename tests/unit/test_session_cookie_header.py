"""The session token is read from the websocket handshake's Cookie header."""

from __future__ import annotations

from helpdesk_app.state.session import _cookie


def test_the_session_cookie_is_found_among_others():
    header = 'theme=dark; pomocnik_session=abc-DEF_123; other="x y"'
    assert _cookie(header, "pomocnik_session") == "abc-DEF_123"


def test_a_malformed_neighbour_does_not_hide_it():
    assert _cookie('bad"cookie; =; pomocnik_session=tok', "pomocnik_session") == "tok"


def test_no_header_or_no_cookie_is_empty():
    assert _cookie("", "pomocnik_session") == ""
    assert _cookie("pomocnik_sessionx=1", "pomocnik_session") == ""
