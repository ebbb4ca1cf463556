"""Exact rounding and decimal text: 四捨五入 (half up, away from zero) on Decimal and Fraction.

Binary floats never decide a rounding step: the official tables round at fixed decimals, and a
float like 0.1 + 0.2 would land on the wrong side of a half.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction


def round_half_up(value: Decimal | Fraction | int, places: int = 0) -> Decimal:
    """Round to ``places`` decimals, halves away from zero (四捨五入), exactly."""
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 40:
        with localcontext() as ctx:
            ctx.prec = 100
            result = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            return result.copy_abs() if result.is_zero() else result
    q = Fraction(value) * (10**places)
    n = math.floor(abs(q) + Fraction(1, 2))
    sign = "-" if q < 0 and n else ""
    return Decimal(f"{sign}{n}E-{places}")  # exact, independent of the decimal context


def to_thousand_yen(value: Decimal | int) -> tuple[int, bool]:
    """Whole 千円 (half up); the flag says whether the value had a fraction."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return int(d), False
    whole = int(round_half_up(d))
    return whole, d != whole


def fmt(value: Decimal | Fraction | int) -> str:
    """Exact decimal text for JSON (no exponent)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        with localcontext() as ctx:
            ctx.prec = 40
            value = Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text

