"""The price catalog: Anthropic models with sync and batch prices, from genai-prices.

`genai_prices` is imported only when a catalog is first built (it costs ~0.3 s), never at
`import costmodel`. The clock is passed in (`as_of`): batch price variants have start dates.

Glossary (all prices USD per million tokens, `[USD/MTok]`):
- input: uncached input tokens
- cache_write_5m / cache_write_1h: prompt-cache writes with a 5-minute or 1-hour TTL
- cache_read: prompt-cache hits
- output: output tokens (thinking included)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import Field

from costmodel import formatting
from costmodel._base import Api, Share, StrictModel, UsdPerMtok
from costmodel.limits import (
    BATCH_OUTPUT_BETA_MODELS,
    BATCH_OUTPUT_BETA_TOKENS,
    DEFAULT_BATCH_DISCOUNT,
    DEFAULT_MAX_OUTPUT_TOKENS,
    FAST_MODE_MULTIPLIERS,
    INFERENCE_GEO_FROM,
    LIMITS_AS_OF,
    MAX_OUTPUT_TOKENS,
    MODIFIERS_AS_OF,
    RETIRED_MODELS,
)

__all__ = [
    "Catalog",
    "CustomPrices",
    "LongContextTier",
    "ModelPricing",
    "PriceSource",
    "TokenPrices",
    "UnknownModelError",
    "custom_pricing",
    "load_catalog",
]

PROVIDER_ID = "anthropic"
CUSTOM_MODEL_ID = "custom"
STALE_PRICE_DATA_DAYS = 30
"""Price data whose newest recorded change is older than this, before the evaluation date, gets a warning [days]."""


class UnknownModelError(LookupError):
    """A model id the catalog does not know and no custom prices were given."""


class TokenPrices(StrictModel):
    """Per-token-type prices for one API."""

    input_usd_per_mtok: UsdPerMtok
    """Uncached input tokens [USD/MTok]."""
    output_usd_per_mtok: UsdPerMtok
    """Output tokens, thinking included [USD/MTok]."""
    cache_write_5m_usd_per_mtok: UsdPerMtok
    """Prompt-cache writes with the 5-minute TTL [USD/MTok]."""
    cache_write_1h_usd_per_mtok: UsdPerMtok
    """Prompt-cache writes with the 1-hour TTL [USD/MTok]."""
    cache_read_usd_per_mtok: UsdPerMtok
    """Prompt-cache reads (hits) [USD/MTok]."""

    def scaled(self, factor: float) -> TokenPrices:
        """Every price multiplied by `factor` (e.g. 0.5 for a 50 % batch discount)."""
        return TokenPrices(**{k: v * factor for k, v in self.model_dump().items()})


class LongContextTier(StrictModel):
    """Cliff pricing: a request whose total input exceeds the threshold pays these prices on all tokens."""

    threshold_input_tokens: int = Field(ge=0)
    """Total input tokens (cache included) above which the tier applies [tokens]."""
    sync: TokenPrices
    """Synchronous prices above the threshold."""
    batch: TokenPrices
    """Batch prices above the threshold."""


class PriceSource(StrictModel):
    """Where prices came from, for every figure that uses them."""

    name: str
    """`genai-prices` or `custom prices`."""
    version: str | None = None
    """Library version, when prices come from a library."""
    as_of: date
    """The evaluation date: prices in force on this day [date]."""
    note: str = ""
    """Anything the reader should know (assumed discounts, overrides)."""
    data_date: date | None = None
    """The price data's own date [date]: for the bundled genai-prices snapshot, its newest recorded price change
    on or before `as_of`; for a runtime refresh, the day it was fetched. None for user prices."""
    data_origin: str = ""
    """Where the price data came from: `bundled snapshot`, `runtime refresh` or empty."""

    @property
    def data_age_days(self) -> int | None:
        """Days between the price data's date and the evaluation date [days]."""
        return None if self.data_date is None else (self.as_of - self.data_date).days

    @property
    def stale_warning(self) -> str | None:
        """A warning when the price data is more than STALE_PRICE_DATA_DAYS older than the evaluation date."""
        age = self.data_age_days
        if age is None or age <= STALE_PRICE_DATA_DAYS:
            return None
        return (
            f"price data may be stale: its newest date ({self.data_date}) is {age} days before the evaluation date "
            f"({self.as_of}); upgrade genai-prices or refresh prices (--refresh-prices)"
        )

    def label(self) -> str:
        """One line for footnotes and export headers: source, price data date and evaluation date."""
        version = f" {self.version}" if self.version else ""
        data = ""
        if self.data_date is not None:
            data = f" ({self.data_origin or 'data'} dated {self.data_date.isoformat()})"
        note = f"; {self.note}" if self.note else ""
        return f"{self.name}{version}{data}, prices as of {self.as_of.isoformat()}{note}"


class ModelPricing(StrictModel):
    """One model's sync and batch prices and limits."""

    model_id: str
    """Catalog id, e.g. `claude-sonnet-4-6`, or `custom`."""
    display_name: str
    """Human name, e.g. `Claude Sonnet 4.6`."""
    sync: TokenPrices
    """Standard (Messages API) prices."""
    batch: TokenPrices
    """Message Batches API prices."""
    batch_rate_published: bool
    """False when the source has no batch rate and `batch_discount` was applied to standard prices."""
    batch_discount: Share
    """The discount batch gets against sync (published or assumed) [share]."""
    long_context: LongContextTier | None = None
    """Long-context tier, where the model has one."""
    context_window_tokens: int | None = None
    """Maximum input tokens [tokens]."""
    max_output_tokens: int = Field(gt=0)
    """Largest `max_tokens` the model accepts [tokens]."""
    max_output_tokens_assumed: bool = False
    """True when `max_output_tokens` is an assumption (model newer than the dated limits table)."""
    max_output_tokens_batch: int | None = None
    """Largest `max_tokens` in batches under the batch-only 300k-output beta, where the model has it [tokens]."""
    fast: TokenPrices | None = None
    """Fast-mode (`speed: fast`) sync prices, where the model offers fast mode; never available in batches."""
    inference_geo_supported: bool = False
    """Whether `inference_geo: us` (1.1× on tokens) is available on this model."""
    retired: bool = False
    """Anthropic has retired the model: hidden from pickers by default, a plan on it warns."""
    source: PriceSource
    """Price source and as-of date."""

    def prices_for(self, api: Api, total_input_tokens: float = 0.0) -> TokenPrices:
        """Prices for `api`, with the long-context tier when `total_input_tokens` exceeds its threshold."""
        tier = self.long_context
        if tier is not None and total_input_tokens > tier.threshold_input_tokens:
            return tier.sync if api == "sync" else tier.batch
        return self.sync if api == "sync" else self.batch

    def request_cost_usd(
        self,
        api: Api,
        *,
        uncached_input_tokens: Any,
        output_tokens: Any,
        cache_write_5m_tokens: Any = 0.0,
        cache_write_1h_tokens: Any = 0.0,
        cache_read_tokens: Any = 0.0,
    ) -> Any:
        """Cost of requests [USD]; token counts may be floats or numpy arrays (elementwise).

        The long-context tier is chosen per request from its total input
        (uncached + cache writes + cache reads), as Anthropic bills it.
        """
        total_input = uncached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens

        def cost(p: TokenPrices) -> Any:
            return (
                uncached_input_tokens * p.input_usd_per_mtok
                + output_tokens * p.output_usd_per_mtok
                + cache_write_5m_tokens * p.cache_write_5m_usd_per_mtok
                + cache_write_1h_tokens * p.cache_write_1h_usd_per_mtok
                + cache_read_tokens * p.cache_read_usd_per_mtok
            ) / 1_000_000

        tier = self.long_context
        if tier is None:
            return cost(self.prices_for(api))
        over = total_input > tier.threshold_input_tokens
        if isinstance(over, bool):
            return cost(self.prices_for(api, float(total_input)))
        import numpy as np  # only for array inputs

        base_cost = cost(self.sync if api == "sync" else self.batch)
        tier_cost = cost(tier.sync if api == "sync" else tier.batch)
        return np.where(over, tier_cost, base_cost)


class Catalog(StrictModel):
    """Every planning model, keyed by id."""

    models: tuple[ModelPricing, ...]
    """Models offered for planning, newest families first (retired ones only when asked for)."""
    source: PriceSource
    """Where the prices came from."""
    hidden_retired: tuple[ModelPricing, ...] = ()
    """Retired models left out of `models`: still found by `get`, so a plan on one prices and warns."""

    def ids(self) -> list[str]:
        """All model ids in catalog order."""
        return [m.model_id for m in self.models]

    def find(self, model_id: str) -> ModelPricing | None:
        """The model by id, or by a dated/aliased name genai-prices matches (e.g. `claude-sonnet-4-6-20260101`);
        None when the catalog does not know it (retired models are found too)."""
        every = self.models + self.hidden_retired
        for m in every:
            if m.model_id == model_id:
                return m
        resolved = _match_model_id(model_id)
        if resolved is not None:
            for m in every:
                if m.model_id == resolved:
                    return m
        return None

    def get(self, model_id: str) -> ModelPricing:
        """`find`, raising UnknownModelError (naming the known ids) when the catalog does not know `model_id`."""
        found = self.find(model_id)
        if found is not None:
            return found
        known = ", ".join(self.ids())
        raise UnknownModelError(
            f"unknown model {model_id!r}: choose one of {known}, or give custom prices "
            "(input and output USD per million tokens)"
        )


class CustomPrices(StrictModel):
    """User-supplied prices that override the catalog."""

    input_usd_per_mtok: UsdPerMtok
    """Uncached input [USD/MTok]."""
    output_usd_per_mtok: UsdPerMtok
    """Output [USD/MTok]."""
    cache_write_5m_usd_per_mtok: UsdPerMtok | None = None
    """5-minute cache writes [USD/MTok]; default 1.25 × input (Anthropic's multiplier)."""
    cache_write_1h_usd_per_mtok: UsdPerMtok | None = None
    """1-hour cache writes [USD/MTok]; default 2 × input."""
    cache_read_usd_per_mtok: UsdPerMtok | None = None
    """Cache reads [USD/MTok]; default 0.1 × input."""
    batch_discount: Share = DEFAULT_BATCH_DISCOUNT
    """Batch discount against these prices [share]; Anthropic's is 0.5."""
    max_output_tokens: int = Field(default=DEFAULT_MAX_OUTPUT_TOKENS, gt=0)
    """Largest output the model accepts [tokens]."""

    def token_prices(self) -> TokenPrices:
        """Sync prices with Anthropic's cache multipliers filled in where not given."""
        i = self.input_usd_per_mtok
        return TokenPrices(
            input_usd_per_mtok=i,
            output_usd_per_mtok=self.output_usd_per_mtok,
            cache_write_5m_usd_per_mtok=(
                1.25 * i if self.cache_write_5m_usd_per_mtok is None else self.cache_write_5m_usd_per_mtok
            ),
            cache_write_1h_usd_per_mtok=(
                2.0 * i if self.cache_write_1h_usd_per_mtok is None else self.cache_write_1h_usd_per_mtok
            ),
            cache_read_usd_per_mtok=0.1 * i if self.cache_read_usd_per_mtok is None else self.cache_read_usd_per_mtok,
        )


def custom_pricing(prices: CustomPrices, *, as_of: date, model_id: str = CUSTOM_MODEL_ID) -> ModelPricing:
    """A `ModelPricing` from user prices: batch = sync × (1 − discount)."""
    sync = prices.token_prices()
    return ModelPricing(
        model_id=model_id,
        display_name="Custom prices",
        sync=sync,
        batch=sync.scaled(1.0 - prices.batch_discount),
        batch_rate_published=False,
        batch_discount=prices.batch_discount,
        max_output_tokens=prices.max_output_tokens,
        inference_geo_supported=True,
        source=PriceSource(
            name="custom prices",
            as_of=as_of,
            note=f"user-entered; batch = standard × {1 - prices.batch_discount:g}",
        ),
    )


# --- building the catalog from genai-prices ---------------------------------------------------

_PRICE_KEYS = {
    "input_usd_per_mtok": "input_mtok",
    "output_usd_per_mtok": "output_mtok",
    "cache_write_5m_usd_per_mtok": "cache_write_mtok",
    "cache_write_1h_usd_per_mtok": "cache_write_1h_mtok",
    "cache_read_usd_per_mtok": "cache_read_mtok",
}


def _token_prices(model_price: Any, tier_index: int | None) -> TokenPrices:
    """TokenPrices from a genai-prices ModelPrice; `tier_index` picks a tier of TieredPrices."""
    values: dict[str, float] = {}
    input_value = _plain(getattr(model_price, "input_mtok", None), tier_index) or 0.0
    for field, key in _PRICE_KEYS.items():
        value = _plain(getattr(model_price, key, None), tier_index)
        if value is None:  # a model without cache prices: Anthropic's multipliers of input
            value = {"cache_write_5m_usd_per_mtok": 1.25, "cache_write_1h_usd_per_mtok": 2.0}.get(
                field, 0.1 if field == "cache_read_usd_per_mtok" else 0.0
            ) * input_value
        values[field] = value
    return TokenPrices(**values)


def _plain(price: Any, tier_index: int | None) -> float | None:
    if price is None:
        return None
    tiers = getattr(price, "tiers", None)
    if tiers is None:
        return float(price)
    if tier_index is None:
        return float(price.base)
    return float(tiers[tier_index].price)


def _tier_start(model_price: Any) -> int | None:
    tiers = getattr(getattr(model_price, "input_mtok", None), "tiers", None)
    return int(tiers[0].start) if tiers else None


def _snapshot() -> Any:
    """genai-prices' current data: the bundled snapshot, or the one a runtime refresh installed."""
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def _snapshot_provider() -> Any:
    for provider in _snapshot().providers:
        if provider.id == PROVIDER_ID:
            return provider
    raise RuntimeError("genai-prices has no Anthropic provider")  # pragma: no cover


DATED_FIELDS = ("models", "prices", "price_variants", "constraint")
"""The genai-prices fields on the way from a provider to a price change's `start_date` (provider → models → prices
or price variants → constraint); the walk for dates follows only these (match rules, extractors and the prices
themselves hold none), a sixth of the time of walking every field."""


def constraint_dates(value: Any) -> list[date]:
    """Every `start_date` in a genai-prices structure reached through `DATED_FIELDS` (dataclasses and lists)."""
    found: list[date] = []
    stack = [value]
    shapes: dict[type, tuple[bool, tuple[str, ...]]] = {}  # per type: has a start date?, its dated fields (this call)
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        kind = type(item)
        shape = shapes.get(kind)
        if shape is None:
            fields = getattr(kind, "__dataclass_fields__", None) or {}
            shape = shapes[kind] = ("start_date" in fields, tuple(name for name in DATED_FIELDS if name in fields))
        dated, children = shape
        if dated:
            start = item.start_date
            if isinstance(start, date):
                found.append(start.date() if isinstance(start, datetime) else start)
        for name in children:
            child = getattr(item, name)
            if child is not None:
                stack.append(child)
    return found


def price_data_date(providers: Any, *, as_of: date) -> date | None:
    """The bundled price data's date: its newest recorded price change (any provider) [date].

    genai-prices publishes no snapshot date; the newest change it records is a lower bound on when its data
    was compiled. Changes dated after the evaluation date, or after MODIFIERS_AS_OF (when this project last
    checked the data), are scheduled ones announced in advance: they say nothing about freshness.
    """
    cap = min(as_of, MODIFIERS_AS_OF)
    dates = [d for d in constraint_dates(list(providers)) if d <= cap]
    return max(dates) if dates else None


def _match_model_id(model_ref: str) -> str | None:
    provider = _snapshot_provider()
    model = provider.find_model(model_ref.lower())
    return None if model is None else str(model.id)


def genai_prices_version() -> str:
    """The installed genai-prices version."""
    from importlib.metadata import version

    return version("genai-prices")


def load_catalog(
    *, as_of: date, batch_discount: float = DEFAULT_BATCH_DISCOUNT, include_retired: bool = False
) -> Catalog:
    """The Anthropic catalog with prices in force on `as_of`, from genai-prices' current snapshot.

    Where genai-prices has no batch variant for a model (it would silently return standard
    prices), batch = standard × (1 − `batch_discount`) and `batch_rate_published` is False.
    Retired models are left out of `models` unless `include_retired`, and flagged `retired`.
    Built on every call (the core keeps no cache): the edges keep one per process or session
    (`commands.prices.catalog`, `ui.data.catalog`), and a runtime refresh's new snapshot is what the next build reads.
    """
    return _build_catalog(_snapshot(), as_of=as_of, batch_discount=batch_discount, include_retired=include_retired)


def _build_catalog(snapshot: Any, *, as_of: date, batch_discount: float, include_retired: bool) -> Catalog:
    provider = _snapshot_provider()
    when = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC)
    refreshed = bool(getattr(snapshot, "from_auto_update", False))
    fetched = getattr(snapshot, "timestamp", None)
    source = PriceSource(
        name="genai-prices",
        version=genai_prices_version(),
        as_of=as_of,
        note=f"batch discount {formatting.share(batch_discount)} assumed where no batch rate is published; "
        f"output limits as of {LIMITS_AS_OF.isoformat()}; bill modifiers as of {MODIFIERS_AS_OF.isoformat()}",
        data_date=fetched.date() if refreshed and isinstance(fetched, datetime) else price_data_date(
            snapshot.providers, as_of=as_of
        ),
        data_origin="runtime refresh" if refreshed else "bundled snapshot",
    )
    models: list[ModelPricing] = []
    hidden: list[ModelPricing] = []
    for m in provider.models:
        retired = m.id in RETIRED_MODELS
        standard = m.get_prices(when)
        batch = m.get_prices(when, {"processing": "batch"})
        published = batch != standard
        sync_prices = _token_prices(standard, None)
        batch_prices = _token_prices(batch, None) if published else sync_prices.scaled(1 - batch_discount)
        long_context = None
        start = _tier_start(standard)
        if start is not None:
            tier_sync = _token_prices(standard, 0)
            tier_batch = _token_prices(batch, 0) if published else tier_sync.scaled(1 - batch_discount)
            long_context = LongContextTier(threshold_input_tokens=start, sync=tier_sync, batch=tier_batch)
        discount = (
            1 - batch_prices.input_usd_per_mtok / sync_prices.input_usd_per_mtok
            if published and sync_prices.input_usd_per_mtok > 0
            else batch_discount
        )
        fast_variant = m.get_prices(when, {"speed": "fast"})
        fast = (
            _token_prices(fast_variant, None)
            if fast_variant != standard
            else sync_prices.scaled(FAST_MODE_MULTIPLIERS[m.id])
            if m.id in FAST_MODE_MULTIPLIERS
            else None
        )
        (hidden if retired and not include_retired else models).append(
            ModelPricing(
                model_id=m.id,
                display_name=m.name or m.id,
                sync=sync_prices,
                batch=batch_prices,
                batch_rate_published=published,
                batch_discount=discount,
                long_context=long_context,
                context_window_tokens=m.context_window,
                max_output_tokens=MAX_OUTPUT_TOKENS.get(m.id, DEFAULT_MAX_OUTPUT_TOKENS),
                max_output_tokens_assumed=m.id not in MAX_OUTPUT_TOKENS,
                max_output_tokens_batch=BATCH_OUTPUT_BETA_TOKENS if m.id in BATCH_OUTPUT_BETA_MODELS else None,
                fast=fast,
                inference_geo_supported=not retired and _generation(m.id) >= _generation(INFERENCE_GEO_FROM[0]),
                retired=retired,
                source=source,
            )
        )
    models.sort(key=_family_order)
    return Catalog(models=tuple(models), source=source, hidden_retired=tuple(hidden))


def _generation(model_id: str) -> int:
    """Model generation × 100 + minor (claude-opus-4-6 → 406, claude-3-5-haiku → 305, claude-fable-5 → 500)."""
    digits = [int(part) for part in model_id.replace("-latest", "").split("-") if part.isdigit()]
    generation = digits[0] * 100 + (digits[1] if len(digits) > 1 else 0) if digits else 0
    if model_id.startswith("claude-3"):
        generation = 300 + (digits[1] if len(digits) > 1 else 0)
    return generation


def _family_order(m: ModelPricing) -> tuple[int, str]:
    """Newest generation first, then by id, so pickers open on current models."""
    return (-_generation(m.model_id), m.model_id)
