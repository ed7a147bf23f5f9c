"""A modal as the person sees it: read it, fill its inputs by label, click, submit, close.

``View`` reads the workspace's stored view on every access, so after a ``views.update`` (or a
``response_action: update``) the same object shows the new content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dispatchbot.testing.slack import block_kit, payloads
from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.delivery import INTERACTIVE, Ack
from dispatchbot.testing.slack.methods import views as view_ops
from dispatchbot.testing.slack.state import JSON, Change, StoredView

if TYPE_CHECKING:
    from dispatchbot.testing.slack.driver import Person


class View:
    def __init__(self, person: Person, view_id: str) -> None:
        self.person = person
        self.id = view_id

    @property
    def stored(self) -> StoredView:
        return self.person.workspace.views[self.id]

    @property
    def title(self) -> str:
        return self.stored.title

    @property
    def blocks(self) -> list[JSON]:
        return self.stored.blocks

    @property
    def callback_id(self) -> str:
        return self.stored.callback_id

    @property
    def private_metadata(self) -> str:
        return self.stored.private_metadata

    @property
    def hash(self) -> str:
        return self.stored.hash

    @property
    def errors(self) -> dict[str, str]:
        """Field errors from the last ``response_action: errors``, by block_id."""
        return dict(self.stored.errors)

    @property
    def is_open(self) -> bool:
        return self.stored.is_open

    @property
    def values(self) -> dict[str, dict[str, JSON]]:
        """``state.values`` exactly as the next submission will carry it."""
        return self.stored.values

    def input_labels(self) -> list[str]:
        return [block_kit.label_of(b) for b in block_kit.input_blocks(self.blocks)]

    def error_for(self, label: str) -> str | None:
        """The error shown under the input labelled ``label``, if any."""
        return self.stored.errors.get(str(block_kit.find_input(self.blocks, label)["block_id"]))

    def fill(self, values: Mapping[str, Any]) -> View:
        """Enter values by input label, as a person would. Values by element: text inputs take a
        string (number_input also a number); selects, radios and checkboxes take option text (or
        value), a list for multi-selects and checkboxes; user/conversation/channel selects take an
        id or an object with ``.id``; datepicker ``"YYYY-MM-DD"``; timepicker ``"HH:MM"``."""
        for label, value in values.items():
            block = block_kit.find_input(self.blocks, label)
            element = block["element"]
            self.stored.values.setdefault(block["block_id"], {})[element["action_id"]] = (
                block_kit.filled_state(element, value)
            )
        return self

    def enter(self, values: Mapping[str, Mapping[str, Any]]) -> View:
        """Enter values by ``block_id`` then ``action_id``, each taking what ``fill`` takes; for clients
        that render the view themselves and know its ids rather than its labels."""
        for block_id, entries in values.items():
            for action_id, value in entries.items():
                _, element = block_kit.element_by_id(self.blocks, block_id, action_id)
                self.stored.values.setdefault(block_id, {})[action_id] = block_kit.filled_state(
                    element, value
                )
        return self

    async def choose(self, label: str, value: Any) -> Ack | None:
        """``fill`` one input; if its block has ``dispatch_action``, Slack tells the app at once (a
        ``block_actions`` carrying the element's action and the view), as it does here. None otherwise."""
        block = block_kit.find_input(self.blocks, label)
        return await self.choose_by_id(block["block_id"], block["element"]["action_id"], value)

    async def choose_by_id(self, block_id: str, action_id: str, value: Any) -> Ack | None:
        """``choose`` for clients that know the input's ids rather than its label."""
        self.enter({block_id: {action_id: value}})
        block, element = block_kit.element_by_id(self.blocks, block_id, action_id)
        if not block.get("dispatch_action"):
            return None
        state = self.stored.values[block_id][action_id]
        action = {key: entry for key, entry in state.items() if key != "type"}
        action.update(
            type=element["type"], action_id=action_id, block_id=block_id, action_ts=payloads.action_ts()
        )
        return await self._action(action)

    async def submit(self) -> Ack:
        """Submit like the Submit button: empty required inputs are refused client-side, as in Slack;
        then the ack's ``response_action`` is applied to the person's modal stack."""
        stored = self.stored
        if not stored.is_open:
            raise ClientRefused(f"view {self.id} is not open")
        if stored.definition.get("submit") is None:
            raise ClientRefused("this modal has no submit button")
        missing = [
            block_kit.label_of(b)
            for b in block_kit.input_blocks(stored.blocks)
            if not b.get("optional")
            and block_kit.is_empty(stored.values.get(b["block_id"], {}).get(b["element"]["action_id"], {}))
        ]
        if missing:
            raise ClientRefused(f"required inputs are empty: {missing}")
        ws = self.person.workspace
        body = payloads.interaction(
            ws,
            "view_submission",
            self.person.user,
            trigger_id=ws.issue_trigger(self.person.id),
            view=stored.to_api(),
            response_urls=[],
        )
        ack = await self.person.deliver(INTERACTIVE, body)
        if ack.ok:
            self._apply(ack.payload or {})
        return ack

    def _apply(self, answer: JSON) -> None:
        ws = self.person.workspace
        action = answer.get("response_action")
        if action == "errors":
            self.stored.errors = dict(answer.get("errors", {}))
            ws.changed(Change("view", user=self.person.id))
        elif action == "update":
            view_ops.replace_view(ws, self.stored, answer.get("view"))
        elif action == "push":
            view_ops.push_modal(ws, self.person.id, answer.get("view"))
        elif action == "clear":
            view_ops.clear_stack(ws, self.person.id)
        else:
            view_ops.close_top(ws, self.person.id)

    async def close(self) -> Ack | None:
        """Press Cancel/close; the app hears about it only if the view set ``notify_on_close``."""
        stored = self.stored
        ws = self.person.workspace
        if stored.definition.get("clear_on_close"):
            view_ops.clear_stack(ws, self.person.id)
        else:
            view_ops.close_top(ws, self.person.id)
        if not stored.definition.get("notify_on_close"):
            return None
        body = payloads.interaction(
            ws, "view_closed", self.person.user, view=stored.to_api(), is_cleared=False
        )
        return await self.person.deliver(INTERACTIVE, body)

    async def click(self, text: str | None = None, *, action_id: str | None = None) -> Ack:
        """Click a button in the view (not an input) by its visible text or action_id."""
        block, element = block_kit.find_element(
            self.blocks, text=text, action_id=action_id, kinds=("button",)
        )
        return await self._action(self.person.button_action(block, element))

    async def select(self, text: str, option: str) -> Ack:
        """Pick an option in a static select outside the inputs (actions block or accessory)."""
        block, element = block_kit.find_element(self.blocks, text=text, kinds=("static_select",))
        return await self._action(self.person.select_action(block, element, option))

    async def act(self, block_id: str, action_id: str, option: str | None = None) -> Ack:
        """Use an element outside the inputs by its ids: click a button or pick ``option`` in a select."""
        block, element = block_kit.element_by_id(self.blocks, block_id, action_id)
        return await self._action(self.person.element_action(block, element, option))

    async def _action(self, action: JSON) -> Ack:
        ws = self.person.workspace
        body = payloads.interaction(
            ws,
            "block_actions",
            self.person.user,
            container={"type": "view", "view_id": self.id},
            trigger_id=ws.issue_trigger(self.person.id),
            view=self.stored.to_api(),
            actions=[action],
        )
        return await self.person.deliver(INTERACTIVE, body)
