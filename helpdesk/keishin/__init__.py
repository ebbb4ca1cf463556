"""Keishin (経営事項審査) P-score calculator and validity planner: pure functions, no web framework.

The rules and every bracket table live in ``knowledge/keishin/*.yaml`` so that staff can update
them when the ministry revises the tables. All arithmetic is on integers, Decimal and Fraction;
binary floats never decide a rounding step (a float from JSON goes through its shortest ``repr``).

Modules, one concern each:

- :mod:`.fields` — what the calculator asks for (names, kinds, limits, labels, the W sections)
- :mod:`.yamlfile`, :mod:`.tables` — the YAML tables, validated
- :mod:`.trades` — the 29 construction trades and their names and codes
- :mod:`.inputs` — the payload checked into an :class:`~.inputs.Input`, every problem at once
- :mod:`.labels` — human names of fields for error messages (English and Japanese)
- :mod:`.rounding` — exact 四捨五入
- :mod:`.scoring` — X1, X2, Y, Z, W and P
- :mod:`.calculation` — all scores of one input, with the explanation
- :mod:`.explanation` — each part against the most it can give (maxima computed from the tables)
- :mod:`.improvements` — the single changes that raise P most
- :mod:`.validity` — how long a result is valid, when to apply again, where today stands
- :mod:`.ics` — the validity plan as a calendar file with reminders

This module joins them: :func:`calculate` and :func:`calculate_payload`.
"""

from __future__ import annotations

from typing import Any

from .calculation import Result, compute, result_to_dict
from .improvements import best_improvements
from .inputs import Input, InputError, parse_input
from .tables import Tables, TablesError, default_tables, load_tables

__all__ = ["Input", "InputError", "Result", "Tables", "TablesError", "calculate", "calculate_payload",
           "default_tables", "load_tables", "parse_input", "result_to_dict"]


def calculate(inp: Input, tables: Tables | None = None, *, improvements: bool = True) -> Result:
    """All scores for a parsed :class:`Input`, with an explanation and (optionally) best_improvements."""
    tables = tables or default_tables()
    result = compute(inp, tables)
    if improvements:
        best = best_improvements(inp, tables, result)
        result.best_improvements.extend(best)
        result.explanation["best_improvements"] = best
    return result


def calculate_payload(payload: Any, tables: Tables | None = None) -> dict:
    """parse_input + calculate + result_to_dict in one call (raises InputError)."""
    return result_to_dict(calculate(parse_input(payload), tables))
