"""Typed configuration: column roles, reading options and cleaning policy.

A client's export never uses segkit's names. :class:`ColumnMap` maps segkit's *roles*
(customer id, order id, date, amount, ...) to the client's column names; :class:`ReadOptions`
says how to read the file; :class:`CleanPolicy` says what to do with refunds, cancellations,
duplicates and outliers. All are pydantic models, so a YAML run config is checked before any
data is touched and unknown keys are rejected.

Examples
--------
>>> cm = ColumnMap(customer_id="客户编号", date="下单时间", amount="金额")
>>> cm.roles()
{'customer_id': '客户编号', 'date': '下单时间', 'amount': '金额'}
>>> CleanPolicy().returns
'net'
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Transaction roles segkit understands, in output order.
TRANSACTION_ROLES = (
    "customer_id",
    "order_id",
    "date",
    "amount",
    "quantity",
    "unit_price",
    "channel",
    "category",
)


class StrictModel(BaseModel):
    """A frozen pydantic model that rejects unknown keys (every config model is one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMap(StrictModel):
    """Which column of the source plays which role.

    ``amount`` may be omitted when both ``quantity`` and ``unit_price`` are given; the line
    amount is then ``quantity × unit_price`` (as in the UCI Online Retail export).
    """

    customer_id: str = Field(description="customer identifier (kept as text)")
    date: str = Field(description="order date or timestamp")
    order_id: str | None = Field(None, description="order / invoice number")
    amount: str | None = Field(None, description="line or order amount (money)")
    quantity: str | None = Field(None, description="units on the line")
    unit_price: str | None = Field(None, description="price per unit")
    channel: str | None = Field(None, description="sales channel, e.g. online/offline")
    category: str | None = Field(None, description="product category")

    @model_validator(mode="after")
    def _amount_source(self) -> ColumnMap:
        if self.amount is None and (self.quantity is None or self.unit_price is None):
            raise ValueError("give 'amount', or both 'quantity' and 'unit_price'")
        return self

    def roles(self) -> dict[str, str]:
        """Role → source column, for the roles that are mapped."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


#: texts that mean "missing" in client exports (T7); "NA" and "None" are not on the list
#: (a region code, a name): pandas' default NA list would silently turn them into NaN
NA_VALUES: tuple[str, ...] = (
    "", "-", "--", "—", "——", "无", "空", "N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan",
)  # fmt: skip


class ReadOptions(StrictModel):
    """How to read a source file.

    ``encoding="auto"`` reads the byte-order mark, then decides line by line: UTF-8 first,
    then GB18030 (a superset of GBK and GB2312) or Big5, whichever reads the other lines as
    common characters; lines in another encoding than the file's are quarantined
    (``MIXED_ENCODING``) and characters are never replaced. ``delimiter="whitespace"``
    reads files whose fields are separated by runs of blanks (e.g. CDNOW).
    ``date_order`` must be set when dates are written day/month or month/day
    (``03/04/2023``): segkit refuses to guess.
    """

    encoding: Literal["auto", "utf-8", "gb18030", "big5", "utf-16"] = "auto"
    delimiter: str | None = Field(None, description="None = sniff; 'whitespace' = runs of blanks")
    header: bool = True
    sheet: str | int | None = Field(None, description="Excel sheet name or 0-based index")
    header_row: int = Field(1, ge=1, le=1000, description="Excel: 1-based row of the header")
    decimal: Literal[".", ","] = Field(".", description="decimal separator of amounts")
    timezone: str = Field(
        "Asia/Shanghai", description="zone that UTC / offset timestamps are converted to"
    )
    na_values: tuple[str, ...] = Field(NA_VALUES, description="texts that mean missing")

    @model_validator(mode="after")
    def _zone(self) -> ReadOptions:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        return self

    date_order: Literal["YMD", "DMY", "MDY"] = "YMD"


class CleanPolicy(StrictModel):
    """What cleaning does with each kind of problem row.

    Attributes
    ----------
    dedupe : {"auto", "exact", "none"}
        ``exact`` quarantines repeated identical rows (reason ``DUPLICATE_ROW``). ``auto``
        does so only when an order id is mapped; without one, identical rows cannot be told
        apart from two equal purchases on one day (CDNOW), so they are kept, counted and
        reported as ``POSSIBLE_DUPLICATE``.
    returns : {"net", "drop"}
        Negative-amount lines (refunds, 退款): ``net`` keeps them so monetary value is net
        of returns; ``drop`` quarantines them (``RETURN_LINE``).
    cancellation_prefix : str, optional
        Order ids starting with this text are cancellations (Online Retail: ``"C"``).
    cancellations : {"net", "drop"}
        ``net`` (default): a cancellation nets against what it cancels. A cancellation line
        matched to the purchase line it cancels (same customer, same amount to the cent,
        most recent first; :func:`segkit.clean.kept.match_cancellations`) is removed together
        with it (``CANCELLED`` + ``CANCELLED_PURCHASE``), so the cancelled purchase counts as
        no sale, order or purchase date; an unmatched cancellation line (partial, or
        cancelling a purchase before the data) is kept as a negative amount and nets against
        the customer's spend. A cancellation line is never quarantined as ``RETURN_LINE``,
        even with ``returns="drop"``. ``drop`` quarantines cancellation lines (``CANCELLED``)
        and so **keeps the purchases they cancel as sales**; the report's data-quality
        section says so.
    non_positive_quantity : {"keep", "drop"}
        ``drop`` quarantines lines with quantity ≤ 0 that are not returns (``BAD_QUANTITY``).
    conflicting_orders : {"flag", "ignore"}
        ``flag`` lists lines whose order id appears under more than one customer id
        (``CONFLICTING_ORDER``; the lines are kept). Costs one pass grouped by order.
    outliers : {"flag", "winsorise", "none"}
        Positive line amounts outside the outlier fences are counted (``flag``) or clipped to
        the fences (``winsorise``; each change is logged as ``WINSORISED``).
    outlier_rule : {"log_tukey", "quantile"}
        ``log_tukey`` (default): Tukey's fences on the log scale, exp(Q1 − k·IQR) and
        exp(Q3 + k·IQR) of ln(amount) with k = ``outlier_k``; they flag nothing on clean
        (log-normal-like) amounts. ``quantile``: the ``outlier_fences`` quantiles, which flag
        a fixed share of every data set whatever it holds (the old rule).
    outlier_k : float
        Tukey's multiplier (3: his "far out" values).
    min_date : date
        Dates before this are impossible (``DATE_OUT_OF_RANGE``).
    max_date : date, optional
        Dates after this are impossible (``FUTURE_DATE``: a typo such as 2099-12-31). The
        default, ``None``, is the run date: a transaction cannot lie in the future. The
        default as-of date is never later than this.
    """

    dedupe: Literal["auto", "exact", "none"] = "auto"
    returns: Literal["net", "drop"] = "net"
    cancellation_prefix: str | None = None
    cancellations: Literal["net", "drop"] = "net"
    non_positive_quantity: Literal["keep", "drop"] = "keep"
    conflicting_orders: Literal["flag", "ignore"] = "flag"
    outliers: Literal["flag", "winsorise", "none"] = "flag"
    outlier_rule: Literal["log_tukey", "quantile"] = "log_tukey"
    outlier_k: float = Field(default=3.0, gt=0)
    outlier_fences: tuple[float, float] = (0.001, 0.999)
    min_date: dt.date = dt.date(1990, 1, 1)
    max_date: dt.date | None = None

    @model_validator(mode="after")
    def _fences(self) -> CleanPolicy:
        lo, hi = self.outlier_fences
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError("outlier_fences must be two quantiles 0 <= lo < hi <= 1")
        return self


#: the kinds of source a report run takes (``source.kind``)
SOURCE_KINDS = ("transactions", "customers", "survey")

#: the keys each kind of source may give besides ``kind``, ``path`` and ``read``
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "transactions": ("columns",),
    "customers": ("id_column", "features", "categorical", "value_column"),
    "survey": ("id_column", "items", "wording", "needs"),
}


class SourceConfig(StrictModel):
    """The run's source: a file (or glob), what kind of data it holds and its columns.

    ``kind`` (default ``transactions``):

    * ``transactions``: one row per order line; ``columns`` maps the roles
      (:class:`ColumnMap`).
    * ``customers``: one row per customer (a CRM table); ``id_column`` names the id,
      ``features`` the numeric clustering columns (default: every numeric column but the id
      and the value column), ``categorical`` qualitative columns coded 0/1 for clustering,
      ``value_column`` the money measure behind value shares (optional).
    * ``survey``: one row per respondent; ``id_column`` and the ``items`` (answers on a
      numeric scale) are required, ``wording`` gives an item's text (item → wording), which
      labels the factors and names the needs segments, ``needs`` an item's need (item →
      price, quality, service or convenience: the playbook's ``need`` condition; default
      guessed from the wording with ``segkit/data/needs.yaml``).

    Examples
    --------
    >>> SourceConfig.model_validate(
    ...     {"kind": "customers", "path": "crm.csv", "id_column": "客户编号"}).features is None
    True
    >>> SourceConfig.model_validate({"kind": "survey", "path": "s.csv", "items": ["q1"]})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for SourceConfig
      Value error, source.kind 'survey' needs 'id_column' (the column holding ...
    """

    kind: Literal["transactions", "customers", "survey"] = "transactions"
    path: str
    columns: ColumnMap | None = Field(None, description="transactions: role → column")
    id_column: str | None = Field(None, min_length=1, description="customers/survey: id column")
    features: tuple[str, ...] | None = Field(None, description="customers: clustering columns")
    categorical: tuple[str, ...] = Field((), description="customers: qualitative columns")
    value_column: str | None = Field(None, min_length=1, description="customers: money column")
    items: tuple[str, ...] | None = Field(None, description="survey: the item columns")
    wording: dict[str, str] = Field(default_factory=dict, description="survey: item → text")
    needs: dict[str, str] = Field(default_factory=dict, description="survey: item → need")
    read: ReadOptions = ReadOptions()

    @model_validator(mode="after")
    def _kind_keys(self) -> SourceConfig:
        kind = self.kind
        if kind == "transactions" and self.columns is None:
            raise ValueError("source.kind 'transactions' needs 'columns' (role → column)")
        if kind != "transactions" and self.id_column is None:
            who = "customer" if kind == "customers" else "respondent"
            raise ValueError(
                f"source.kind {kind!r} needs 'id_column' (the column holding the {who}'s id)"
            )
        if kind == "survey" and not self.items:
            raise ValueError("source.kind 'survey' needs 'items' (the answer columns, >= 3)")
        given = {k for k in ("columns", "id_column", "features", "value_column", "items")
                 if getattr(self, k) is not None}  # fmt: skip
        given |= {k for k in ("categorical", "wording", "needs") if getattr(self, k)}
        if stray := sorted(given - set(_KIND_KEYS[kind])):
            raise ValueError(
                f"source.{stray[0]} does not apply to source.kind {kind!r} "
                f"(it takes {', '.join(_KIND_KEYS[kind])})"
            )
        named = [*(self.features or ()), *self.categorical, *(self.items or ())]
        if self.id_column is not None and self.id_column in named:
            raise ValueError(f"source.id_column {self.id_column!r} cannot also be a feature/item")
        for key in ("wording", "needs"):
            if unknown := sorted(set(getattr(self, key)) - set(self.items or ())):
                raise ValueError(f"source.{key} names {unknown[0]!r}, which is not in source.items")
        return self
