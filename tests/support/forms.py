"""Opening a modal the way a person does: run the command, see it acknowledged quietly, get the modal."""

from __future__ import annotations

from dispatchbot.testing import Channel, Person, View


async def open_form(person: Person, channel: Channel, command: str, callback_id: str, text: str = "") -> View:
    """The modal `command` opens; fails if the command was refused (an ack carrying a message)."""
    ack = await person.slash_command(command, text=text, channel=channel.id)
    assert ack.ok
    assert not ack.payload, ack.payload
    return await person.wait_for_view(callback_id=callback_id)
