"""The hand-written Reflex websocket client of benchmarks/live_load.py: message encoding,
the state names it addresses (they must be the app's), and one exchange with a fake
Engine.IO server on loopback (no app, no browser)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _live_protocol as P


def test_event_and_connect_frames_are_what_the_browser_sends():
    frame = P.encode_event("a.b.sort_by", {"column": "updated"}, P.router_data("/agent"))
    assert frame.startswith("42/_event,")
    name, event = json.loads(frame.removeprefix("42/_event,"))
    assert name == "event"
    assert event == {"name": "a.b.sort_by", "payload": {"column": "updated"},
                     "router_data": {"pathname": "/agent", "asPath": "/agent"}}
    # no payload key at all for an event without arguments (as ReflexEvent leaves it out)
    bare = json.loads(P.encode_event("x.next_page", None, P.router_data("/agent"))[10:])[1]
    assert "payload" not in bare
    assert P.encode_connect({"event": {"name": P.HYDRATE}}) == \
        '40/_event,{"event":{"name":"reflex___state____state.hydrate_and_load"}}'
    route = P.router_data("/agent/tickets/2026-000001", {"ticket_number": "2026-000001"})
    assert route["query"] == {"ticket_number": "2026-000001"}
    assert P.form_data(search="vpn") == {"__reflex_form_data__": [["search", "vpn"]]}


def test_decode_engine_io_and_socket_io_packets():
    assert P.decode('0{"sid":"s","pingInterval":25000}') == (
        "open", {"sid": "s", "pingInterval": 25000})
    assert P.decode("2") == ("ping", "")
    assert P.decode('40/_event,{"sid":"x"}') == ("connect", {"sid": "x"})
    assert P.decode('42/_event,["event",{"delta":{}}]') == ("event", ["event", {"delta": {}}])
    assert P.decode('44/_event,{"message":"no"}') == ("connect_error", {"message": "no"})
    assert P.decode('42["event",{}]') == ("event", ["event", {}])  # default namespace


def test_state_names_are_the_apps():
    from helpdesk_app.state.agent_list import AgentListState
    from helpdesk_app.state.session import LoginState, SessionState
    from helpdesk_app.state.ticket import TicketState

    session = ("helpdesk_app.state.session", "SessionState")
    assert P.state_path(session) == SessionState.get_full_name()
    assert P.state_path(session, ("helpdesk_app.state.session", "LoginState")) == \
        LoginState.get_full_name()
    assert P.state_path(session, ("helpdesk_app.state.agent_list", "AgentListState")) == \
        AgentListState.get_full_name()
    assert P.state_path(session, ("helpdesk_app.state.ticket", "TicketState")) == \
        TicketState.get_full_name()
    # the handlers the benchmark calls exist, with the argument names it sends
    for name in ("sort_by", "next_page", "prev_page", "apply_search", "clear_search",
                 "set_value", "on_load"):
        assert name in AgentListState.event_handlers
    assert {"save_header", "set_value"} <= set(TicketState.event_handlers)
    assert "submit" in LoginState.event_handlers


def test_delta_predicates():
    update = {"delta": {"s": {P.field("page"): 1, P.field("rows"): []}}}
    assert P.delta_has("s", "page")(update)
    assert not P.delta_has("s", "refreshed")(update)
    assert not P.delta_has("t", "page")(update)
    assert P.frontend_event("_redirect")({"events": [{"name": "_redirect"}]})


def test_a_tab_joins_hydrates_answers_pings_and_mirrors_deltas():
    """A fake server: opens, acks the namespace, pings, sends one update; the tab must
    send its boot event in the CONNECT packet, answer the ping and apply the delta."""
    received: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        while True:
            data = await reader.read(65536)
            if not data:
                return
            ws.receive_data(data)
            for ev in ws.events():
                if isinstance(ev, Request):
                    assert "token=tok" in ev.target
                    writer.write(ws.send(AcceptConnection()))
                    writer.write(ws.send(TextMessage(data='0{"sid":"e","pingInterval":25000}')))
                elif isinstance(ev, TextMessage):
                    received.append(ev.data)
                    if ev.data.startswith("40/_event,"):
                        delta = {"delta": {"s": {P.field("rows"): [{"id": "1"}]}}}
                        for out in ('40/_event,{"sid":"n"}', "2",
                                    "42/_event," + json.dumps(["event", delta])):
                            writer.write(ws.send(TextMessage(data=out)))
            await writer.drain()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen: list[dict] = []
        tab = P.Tab(f"http://127.0.0.1:{port}", token="tok", hashes=["h"],
                    listener=lambda _tab, _t, update: seen.append(update))
        rows = tab.expect(P.delta_has("s", "rows"))
        await tab.open("/agent")
        await asyncio.wait_for(rows, 5)
        for _ in range(50):
            if "3" in received:
                break
            await asyncio.sleep(0.02)
        await tab.close()
        server.close()
        assert tab.get("s", "rows") == [{"id": "1"}]
        assert len(seen) == 1
        boot = json.loads(received[0].removeprefix("40/_event,"))
        assert boot["event"]["name"] == P.HYDRATE
        assert boot["event"]["payload"] == {"hashes": ["h"]}
        assert boot["event"]["router_data"]["pathname"] == "/agent"
        assert "3" in received  # the ping was answered

    asyncio.run(main())
