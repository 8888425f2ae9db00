import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.collect import parse_amounts, parse_dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,234.50", 1234.5),
        ("￥1,234.50", 1234.5),
        ("1,234.50元", 1234.5),
        ("1234.5 元", 1234.5),
        ("RMB 88", 88.0),
        ("(56.00)", -56.0),
        ("（56.00）", -56.0),
        ("12.50-", -12.5),
        ("-3", -3.0),
        ("１２３．００", 123.0),
        ("1.2万", 12000.0),
        ("3亿", 300000000.0),
        ("1,234,567.89", 1234567.89),
        ("1e3", 1000.0),
        (" 7 ", 7.0),
        ("0", 0.0),
    ],
)
def test_amounts_accepted(text: str, expected: float) -> None:
    assert parse_amounts([text]) == [pytest.approx(expected)]


@pytest.mark.parametrize(
    "text",
    [
        *["", "abc", "US$5", "HK$12", "€3", "1,2,3", "12,34", "1.2.3", "--5", "(5", None],
        *["1e309", "-1e309", "1e400", "2e308万"],  # beyond a double: infinite (issue 14)
    ],
)
def test_amounts_refused(text: str | None) -> None:
    assert parse_amounts([text]) == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-09-28", "2023-09-28 00:00:00"),
        ("2023-09-28 14:05", "2023-09-28 14:05:00"),
        ("2023-09-28 14:05:06", "2023-09-28 14:05:06"),
        ("2023-09-28T14:05:06", "2023-09-28 14:05:06"),
        ("2023/9/8", "2023-09-08 00:00:00"),
        ("2023.09.28", "2023-09-28 00:00:00"),
        ("2023年9月28日", "2023-09-28 00:00:00"),
        ("2023年9月28日 14:05", "2023-09-28 14:05:00"),
        ("２０２３年９月２８日", "2023-09-28 00:00:00"),
        ("20230928", "2023-09-28 00:00:00"),
        ("45197", "2023-09-28 00:00:00"),
        ("45197.5", "2023-09-28 12:00:00"),
    ],
)
def test_dates_accepted(text: str, expected: str) -> None:
    assert parse_dates([text]) == [pd.Timestamp(expected)]


@pytest.mark.parametrize(
    "text",
    [
        *["2023-02-30", "1900-01-00", "03/04/2023", "yesterday", "123"],
        *["infinity", "INFINItY", "-infinity", "epoch"],  # strptime reads them (finding F3)
    ],
)
def test_dates_refused(text: str) -> None:
    assert parse_dates([text]) == [None]


def test_day_first_only_when_configured() -> None:
    assert parse_dates(["03/04/2023"], date_order="DMY") == [pd.Timestamp("2023-04-03")]
    assert parse_dates(["03/04/2023"], date_order="MDY") == [pd.Timestamp("2023-03-04")]
    with pytest.raises(ValueError, match="date_order"):
        parse_dates(["2023-01-01"], date_order="XYZ")


# no deadline: the first example also builds the cached parsing connection (~0.3 s on a
# loaded machine), which is not what this property is about
@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_amount_round_trips_with_thousands_and_yuan(value) -> None:
    text = f"¥{value:,.2f}" if value >= 0 else f"({-value:,.2f})"
    assert parse_amounts([text]) == [pytest.approx(float(value))]


@settings(max_examples=100, derandomize=True)
@given(st.text(max_size=12))
def test_amount_parser_never_raises(text: str) -> None:
    out = parse_amounts([text])
    assert len(out) == 1
    assert out[0] is None or isinstance(out[0], float)


def test_fractional_seconds_and_dotted_dates() -> None:
    assert parse_dates(["2023-09-28 14:05:00.5", "2023.9.28 14:05:00.25"]) == [
        pd.Timestamp("2023-09-28 14:05:00.5"),
        pd.Timestamp("2023-09-28 14:05:00.25"),
    ]
