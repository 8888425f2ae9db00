"""Shared values of the privacy tests: keys, a phone and an ID number, the ways people write
a mobile, and hypothesis settings and strategies."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=60)
FW = str.maketrans("0123456789+-xX ", "０１２３４５６７８９＋－ｘＸ\u3000")  # full-width
PHONE_VARIANTS = [
    lambda p: p,
    lambda p: f"+86 {p[:3]}-{p[3:7]}-{p[7:]}",
    lambda p: f"0086{p}",
    lambda p: f"86-{p}",
    lambda p: f"(+86) {p[:3]}.{p[3:7]}.{p[7:]}",
    lambda p: f" {p[:3]} {p[3:7]} {p[7:]} ",
    lambda p: f"+86 {p[:3]}-{p[3:7]}-{p[7:]}".translate(FW),
]


def gb11643_check(first17: str) -> str:
    """Independent GB 11643-1999 check character (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


def with_check(first17: str) -> str:
    return first17 + gb11643_check(first17)


phones = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)
