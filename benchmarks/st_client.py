"""A Streamlit client without a browser: one websocket session, as the page's JavaScript is one.

It speaks Streamlit's protocol (protobuf ``BackMsg`` up, ``ForwardMsg`` down): open a page,
read the widgets it drew (by their keys), change one and time the server's answer (from the
``rerun_script`` sent to the ``script_finished`` received). Used by ``bench_class.py`` to put
a whole class on one server. Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


@dataclass
class Widget:
    """A widget the page drew: its id, kind (the element's proto field) and proto."""

    id: str
    kind: str
    proto: Any
    fragment_id: str = ""  # the fragment it sits in: changing it reruns that fragment


@dataclass
class Run:
    """One script run as the client saw it."""

    seconds: float
    status: int
    exceptions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in FINISHED_OK and not self.exceptions


class Session:
    """One browser tab's worth of Streamlit session, over a websocket."""

    def __init__(self, base_url: str, page: str = "", query: str = "") -> None:
        assert base_url.startswith(("http://127.", "http://localhost")), "loopback only"
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.page = page  # the page's URL path ("" for the home page)
        self.query = query  # the link's parameters, e.g. "rnn_step=2"
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}  # by user key
        self.states: dict[str, WidgetState] = {}  # by widget id: what this tab has set
        self.ws = None

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], max_size=2**26, open_timeout=60
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def _send(self, fragment_id: str = "") -> None:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query
        rerun.page_script_hash = self.page_hash
        rerun.page_name = self.page
        rerun.fragment_id = fragment_id
        rerun.widget_states.widgets.extend(self.states.values())
        await self.ws.send(msg.SerializeToString())

    async def run(self, fragment_id: str = "", timeout: float = 120.0) -> Run:
        """Ask for a run and read messages until it finishes; returns its duration."""
        start = time.perf_counter()
        await self._send(fragment_id)
        exceptions: list[str] = []
        deadline = start + timeout
        while True:
            raw = await asyncio.wait_for(
                self.ws.recv(), timeout=max(0.1, deadline - time.perf_counter())
            )
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            which = msg.WhichOneof("type")
            if which == "new_session":
                for page in msg.new_session.app_pages:
                    if page.url_pathname == self.page or (not self.page and page.is_default):
                        self.page_hash = page.page_script_hash
            elif which == "page_info_changed":
                pass
            elif which == "delta":
                self._read_delta(msg.delta, exceptions)
            elif which == "script_finished":
                return Run(time.perf_counter() - start, msg.script_finished, exceptions)

    def _read_delta(self, delta: Any, exceptions: list[str]) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            exceptions.append(element.exception.message)
            return
        proto = getattr(element, kind)
        widget_id = getattr(proto, "id", "")
        if widget_id.startswith("$$ID-"):  # a keyed widget's id: "$$ID-<hash>-<user key>"
            self.widgets[widget_id.split("-", 2)[-1]] = Widget(
                widget_id, kind, proto, delta.fragment_id
            )

    def find(self, key: str) -> Widget | None:
        """The widget with this key, or the first whose key starts with it (keys that carry a
        version or a tag: ``"scaled.query."`` finds ``"scaled.query.3be5b9dc"``)."""
        if key in self.widgets:
            return self.widgets[key]
        return next((w for name, w in self.widgets.items() if name.startswith(key)), None)

    async def change(self, widget: Widget, value: Any) -> Run:
        """Set a widget and rerun what the browser would: its fragment, or the whole page."""
        self.set(widget, value)
        run = await self.run(widget.fragment_id)
        self.release_triggers()
        return run

    def set(self, widget: Widget, value: Any) -> None:
        """Set a widget's value as the browser would send it."""
        state = WidgetState(id=widget.id)
        if widget.kind == "slider":
            if widget.proto.options:  # a select slider: the options' labels
                state.string_array_value.data[:] = [str(value)]
            else:
                state.double_array_value.data[:] = [float(value)]
        elif widget.kind == "number_input":
            state.double_value = float(value)
        elif widget.kind in ("checkbox", "toggle"):
            state.bool_value = bool(value)
        elif widget.kind in ("selectbox", "radio", "text_input"):
            state.string_value = str(value)
        elif widget.kind == "button_group":  # a segmented control: the chosen labels
            state.string_array_value.data[:] = [str(value)]
        elif widget.kind == "button":
            state.trigger_value = True
        else:
            raise ValueError(f"cannot set a {widget.kind}")
        self.states[widget.id] = state

    def release_triggers(self) -> None:
        """A button's press lasts one run."""
        self.states = {
            i: s for i, s in self.states.items() if s.WhichOneof("value") != "trigger_value"
        }
