"""Secret settings, found by their type: every `SecretStr` field, and every field annotated `SecretWithin`.

Masking for `dispatchbot config show` and the values the log redactor scrubs both walk the models
with `secret_fields`, so a new secret setting is covered by declaring its type, not by remembering to
add it to a list somewhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

MASK = "********"

Location = tuple[str | int, ...]
"""Where a value sits in the model's dump: field names, and positions in lists."""


@dataclass(frozen=True)
class SecretWithin:
    """Marks a plain-text setting that carries a secret inside it (a database URL's password): how to
    find the secret in a value, for log redaction, and how to show the value with it hidden."""

    reveal: Callable[[Any], str | None]
    mask: Callable[[Any], str]


def _reveal_whole(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _mask_whole(value: SecretStr | None) -> str:
    return MASK if value is not None and value.get_secret_value() else ""


WHOLE = SecretWithin(reveal=_reveal_whole, mask=_mask_whole)
"""How a `SecretStr` setting is treated: all of it is the secret; unset or empty shows as ""."""


@dataclass(frozen=True)
class SecretField:
    location: Location
    value: Any
    kind: SecretWithin


def secret_fields(model: BaseModel, location: Location = ()) -> Iterator[SecretField]:
    """Every secret setting in `model`, including inside nested sections and lists of them."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        kind = _secret_kind(field)
        if kind is not None:
            yield SecretField((*location, name), value, kind)
        else:
            yield from _nested(value, (*location, name))


def secret_values(model: BaseModel) -> list[str]:
    """The secret values in force (unset ones left out)."""
    revealed = (field.kind.reveal(field.value) for field in secret_fields(model))
    return [value for value in revealed if value]


def masked_dict(model: BaseModel) -> dict[str, Any]:
    """The effective configuration as plain data, secrets replaced, for `dispatchbot config show`."""
    data = model.model_dump(mode="json")
    for field in secret_fields(model):
        *outer, last = field.location
        container: Any = data
        for key in outer:
            container = container[key]
        container[last] = field.kind.mask(field.value)
    return data


def _nested(value: Any, location: Location) -> Iterator[SecretField]:
    if isinstance(value, BaseModel):
        yield from secret_fields(value, location)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _nested(item, (*location, index))


def _secret_kind(field: FieldInfo) -> SecretWithin | None:
    marked = [marker for marker in field.metadata if isinstance(marker, SecretWithin)]
    if marked:
        return marked[0]
    if field.annotation is SecretStr or SecretStr in get_args(field.annotation):
        return WHOLE
    return None
