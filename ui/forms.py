"""One form mechanism for every page: a page declares its fields; seeding, refilling, write-back and links are here.

A `Form` ties widget keys to a model's fields (`Field`: widget key ↔ field path, with the conversion each way) and
keeps, under one `ui.state` key, the model the widgets last showed or produced (its *source*):

- **seed** (`Form.seed`): when the model changes underneath the form (a preset, a loaded file, a shared link, an
  edit on another page), every widget is filled from it before it is drawn;
- **refill** (`Form.refill`): widgets Streamlit dropped while another page ran are refilled from the last value the
  form produced, so nothing kept is lost; `adopt` writes back the ones it kept, so a page that draws the same key
  as a different widget starts from the user's value rather than its default;
- **write back** (`Form.keep`, the one rule for every page): a valid result replaces the scenario's part at once
  and goes into the page's link; an invalid one changes nothing (the page shows its problems and does not call it);
- **links** (`Form.take_link`, through `ui.sharing`): a link this session did not write wins over the scenario;
- **clear** (`Form.clear`): a value switched off (a view turned off) leaves no source and no link parameter.

Session keys are named in `ui.state` only; every function takes the session mapping (default: Streamlit's), so
the mechanism is tested with a plain dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st
from pydantic import BaseModel

from ui import sharing
from ui.state import FORM_LINKS as LINKS

__all__ = ["Field", "Form", "take_link"]

M = TypeVar("M", bound=BaseModel)
Session = MutableMapping[str, Any]


def _session(session: Session | None) -> Session:
    return st.session_state if session is None else session  # type: ignore[return-value]  # a mutable mapping


@dataclass(frozen=True)
class Field:
    """One widget ↔ one model field: widget value = cast(field value × scale), rounded to `digits` when given."""

    key: str
    """The widget's key."""
    path: str
    """The model field it shows, dotted for a nested model (`finance.monthly_growth`)."""
    scale: float = 1.0
    """Widget units per model unit (100 for a share shown in per cent)."""
    digits: int | None = None
    """Decimal places the widget value is rounded to (None: not rounded)."""
    cast: Callable[[Any], Any] | None = None
    """Widget type for a number (float, int); None keeps the model's type."""
    to_widget: Callable[[Any], Any] | None = None
    """Custom model value → widget value (replaces scale, digits and cast)."""
    from_widget: Callable[[Any], Any] | None = None
    """Custom widget value → model value (replaces dividing by scale)."""

    def widget_value(self, model: BaseModel, *, under: str = "") -> Any:
        """The value that shows `model`'s field in the widget; `under` names the part `model` is (`finance`)."""
        value: Any = model
        path = self.path.removeprefix(f"{under}.") if under else self.path
        for part in path.split("."):
            value = getattr(value, part)
        if self.to_widget is not None:
            return self.to_widget(value)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if self.scale != 1.0:
            value = value * self.scale
        if self.digits is not None:
            value = round(value, self.digits)
        return self.cast(value) if self.cast is not None else value

    def model_value(self, widget_value: Any) -> Any:
        """The model value a widget value stands for (None stays None: the field keeps its default)."""
        if self.from_widget is not None:
            return self.from_widget(widget_value)
        if self.scale != 1.0 and isinstance(widget_value, int | float) and not isinstance(widget_value, bool):
            return widget_value / self.scale
        return widget_value


class Form(Generic[M]):
    """A page's form over model `model`: its fields, the `ui.state` key of its source, and its link parameter."""

    def __init__(
        self,
        model: type[M],
        *,
        source: str,
        link: str,
        fields: Sequence[Field] = (),
        derived: Callable[..., dict[str, Any]] | None = None,
        derived_keys: Sequence[str] = (),
        to_link: Callable[[M], BaseModel | None] | None = None,
    ) -> None:
        """`derived(model, **context)` gives the values of widgets that stand for several fields at once (a volume
        and its unit, an SLA switch), keyed by `derived_keys`; `context` is what the page passes to `seed`/`refill`.
        `to_link(value)` is what the link carries for a kept value when that is not the value itself (None: no
        parameter); the default links the value."""
        self.model = model
        self.source_key = source
        self.link = link
        self._to_link = to_link
        self.fields = tuple(fields)
        self._by_key = {f.key: f for f in self.fields}
        self._derived = derived
        self.keys: tuple[str, ...] = (*(f.key for f in self.fields), *derived_keys)

    # ------------------------------------------------------------ model → widgets

    def widget_values(self, model: M, **context: Any) -> dict[str, Any]:
        """Widget key → the value that shows `model`."""
        values = {f.key: f.widget_value(model) for f in self.fields}
        if self._derived is not None:
            values.update(self._derived(model, **context))
        return values

    def widget_values_under(self, prefix: str, part: BaseModel) -> dict[str, Any]:
        """Widget key → value for the fields under `prefix`, shown from `part` (the model's `prefix` part)."""
        return {f.key: f.widget_value(part, under=prefix) for f in self.fields if f.path.startswith(f"{prefix}.")}

    def source(self, session: Session | None = None) -> M | None:
        """The model the widgets last showed or produced (None before the form first ran)."""
        found = _session(session).get(self.source_key)
        return found if isinstance(found, self.model) else None

    def produced(self, value: M, session: Session | None = None) -> None:
        """Remember a valid result as the form's source: what its widgets are refilled from."""
        _session(session)[self.source_key] = value

    def seed(self, base: M, session: Session | None = None, **context: Any) -> bool:
        """Fill every widget from `base` when it differs from the form's source (it changed underneath the form);
        True when it did."""
        state = _session(session)
        if state.get(self.source_key) == base:
            return False
        state.update(self.widget_values(base, **context))
        state[self.source_key] = base
        return True

    def refill(
        self, keys: Iterable[str] | None = None, *, adopt: bool = False, session: Session | None = None,
        **context: Any,
    ) -> None:  # fmt: skip
        """Before the widgets `keys` (default: all) are drawn: refill the ones Streamlit dropped from the form's
        source and (`adopt`) write back the ones it kept, so another page's widget under the same key takes the
        user's value. Writing a kept value back on every run would make the browser resend it and rerun forever:
        adopt only on the first run after another page drew the form."""
        state = _session(session)
        wanted = self.keys if keys is None else tuple(keys)
        if adopt:
            for key in wanted:
                if key in state:
                    state[key] = state[key]
        missing = [key for key in wanted if key not in state]
        source = self.source(state)
        if missing and source is not None:
            values = self.widget_values(source, **context)
            for key in missing:
                state[key] = values[key]

    # ------------------------------------------------------------ widgets → model

    def read(
        self, prefix: str = "", session: Mapping[str, Any] | None = None, *, keys: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """The model values the widgets hold for the fields under `prefix` (`finance` → `finance.*`), or only those
        of the widgets `keys` (the ones a page drew this run), as a nested dict to validate; a widget without state
        or holding None is left out (the field keeps its default)."""
        state = st.session_state if session is None else session
        data: dict[str, Any] = {}
        head = f"{prefix}." if prefix else ""
        fields = self.fields if keys is None else [self._by_key[k] for k in keys if k in self._by_key]
        for f in fields:
            if not f.path.startswith(head) or f.key not in state:
                continue
            value = f.model_value(state[f.key])
            if value is None:
                continue
            *parents, leaf = f.path.removeprefix(head).split(".")
            target = data
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = value
        return data

    # ------------------------------------------------------------ write-back and links

    def keep(
        self, value: M, apply: Callable[[M], None], *, link: bool = True,
        also: Mapping[str, BaseModel | None] | None = None, session: Session | None = None,
    ) -> None:  # fmt: skip
        """The one write-back rule: a valid `value` is the form's source, replaces the scenario's part at once
        (`apply`), and goes into the page's link with the `also` parameters (`link=False`: an untouched deep link
        leaves the URL alone, streamlit#9992). An invalid result is never kept: the page shows its problems."""
        self.produced(value, session)
        apply(value)
        if not link:
            return
        state = _session(session)
        links = state.setdefault(LINKS, {})
        linked = value if self._to_link is None else self._to_link(value)
        params = {self.link: linked, **(also or {})}
        for key, model in params.items():
            last = links.get(key)
            if last is not None and last[0] == model and sharing.current(key) == last[1]:
                continue  # the URL already says this: skip encoding (compact JSON + zlib) on every rerun
            sharing.write_params(model, key)
            links[key] = (model, sharing.current(key))

    def clear(self, *, link: bool = True, session: Session | None = None) -> None:
        """The form's value switched off (a view the user turned off, such as the clock deadline): no source, and
        no parameter in the page's link (`link=False`: leave the URL alone, as `keep`)."""
        state = _session(session)
        state[self.source_key] = None
        if link:
            state.setdefault(LINKS, {}).pop(self.link, None)
            sharing.write_params(None, self.link)

    def take_link(self) -> M | None:
        """The model in the page's link when this session did not write it (a shared or hand-edited link)."""
        return take_link(self.model, self.link)

    def foreign_link(self) -> bool:
        """Whether the page's link holds a value this session did not write (valid or not): a first visit that
        came by a link writes its own from the start, one that did not leaves the URL alone (streamlit#9992)."""
        return sharing.params_changed(self.link)


def take_link(model: type[M], key: str) -> M | None:
    """The model `?key=` carries when this session did not write it; None otherwise (an invalid one is reported)."""
    if not sharing.params_changed(key):  # absent, or what this session wrote: nothing to decode
        return None
    return sharing.read_params(model, key)
