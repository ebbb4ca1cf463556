"""The 29 construction trades (建設業法 別表第一), from ``knowledge/keishin/trades.yaml``, and name lookup.

A keishin score is per trade. A foreign contractor knows the English name, a Japanese one knows
土木一式 or 土木一式工事, a form sends the code: all must reach the same trade, so that the result can
name it in both languages and the same trade cannot be entered twice under two names.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .yamlfile import Reader, TablesError, read_yaml

DEFAULT_TRADES_FILE = Path(__file__).resolve().parent.parent.parent / "knowledge" / "keishin" / "trades.yaml"
TRADE_COUNT = 29


@dataclass(frozen=True)
class Trade:
    code: str
    ja: str
    en: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en

    def to_dict(self) -> dict:
        return {"code": self.code, "ja": self.ja, "en": self.en}


@dataclass(frozen=True)
class Trades:
    trades: tuple[Trade, ...]
    source: tuple
    lookup: dict

    def resolve(self, name: str) -> Trade | None:
        """The trade a name or code stands for (any case, full-width or not, with or without 工事/業)."""
        return self.lookup.get(_key(name))


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _names(trade: Trade) -> list[str]:
    stem = trade.ja.removesuffix("工事")
    return list(dict.fromkeys([trade.code, trade.ja, trade.en, stem, f"{trade.ja}業", f"{stem}工事業", *trade.aliases]))


def load_trades(file: str | Path = DEFAULT_TRADES_FILE) -> Trades:
    """Read and check the trades file: 29 trades, codes and names unique (TablesError otherwise)."""
    file = Path(file)
    r = Reader(file)
    data = read_yaml(file)
    _name, source, _effective = r.header(data)
    rows = r.seq(r.get(data, "trades", ""), "trades")
    trades = []
    for i, row in enumerate(rows):
        p = f"trades[{i}]"
        code = r.text(r.get(row, "code", p), f"{p}.code")
        if not (len(code) == 3 and code.isdigit()):
            r.fail(f"{p}.code", f"must be 3 digits in quotes, e.g. \"010\", got {code!r}")
        aliases = r.get(row, "aliases", p, optional=True) or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            r.fail(f"{p}.aliases", "must be a list of names")
        trades.append(Trade(code, r.text(r.get(row, "ja", p), f"{p}.ja"), r.text(r.get(row, "en", p), f"{p}.en"),
                            tuple(aliases)))
    if len(trades) != TRADE_COUNT:
        r.fail("trades", f"must list the {TRADE_COUNT} trades of 建設業法 別表第一, got {len(trades)}")
    lookup: dict[str, Trade] = {}
    for i, trade in enumerate(trades):
        for name in _names(trade):
            other = lookup.setdefault(_key(name), trade)
            if other is not trade:
                r.fail(f"trades[{i}]", f"the name or code {name!r} is also used by {other.code} {other.ja}")
    return Trades(tuple(trades), source, lookup)


@lru_cache(maxsize=1)
def default_trades() -> Trades:
    """The trades in ``knowledge/keishin/trades.yaml`` (cached)."""
    return load_trades(DEFAULT_TRADES_FILE)


__all__ = ["Trade", "Trades", "TablesError", "default_trades", "load_trades"]
