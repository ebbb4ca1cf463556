"""What the calculator asks for: field names, their kinds, limits and bilingual labels.

One vocabulary shared by input parsing, the form, the YAML loader (which checks that the tables
price every value listed here) and the improvement search, so a field is named in one place.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

MAX_AMOUNT = 10**12  # 千円; larger amounts are rejected as absurd
MAX_COUNT = 100_000
# Exact arithmetic (Fraction) on a number like 1e-99999999 takes minutes: the number of decimal
# places and of significant digits is bounded before any arithmetic, like the magnitude.
MAX_DECIMAL_PLACES = 330   # every finite binary float fits (5e-324)
MAX_DIGITS = 34
MAX_INDUSTRIES = 30
MAX_NAME_LENGTH = 100
MIN_REVIEW_DATE = dt.date(2011, 4, 1)  # the bracket tables in use date from the 2011-04-01 revision
MAX_REVIEW_DATE = dt.date(2100, 12, 31)
MAX_IMPROVEMENTS = 15

STAFF_GRADES = ("g1", "g2", "g3", "g4", "g5", "g6")
INDICATOR_KEYS = ("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8")

WLB_VALUES: dict[str, dict[str, str]] = {
    "none": {"en": "None", "ja": "なし"},
    "eruboshi1": {"en": "Eruboshi, level 1", "ja": "えるぼし（1段階目）"},
    "eruboshi2": {"en": "Eruboshi, level 2", "ja": "えるぼし（2段階目）"},
    "eruboshi3": {"en": "Eruboshi, level 3", "ja": "えるぼし（3段階目）"},
    "platinum_eruboshi": {"en": "Platinum Eruboshi", "ja": "プラチナえるぼし"},
    "kurumin": {"en": "Kurumin", "ja": "くるみん"},
    "try_kurumin": {"en": "Try Kurumin", "ja": "トライくるみん"},
    "platinum_kurumin": {"en": "Platinum Kurumin", "ja": "プラチナくるみん"},
    "youth_yell": {"en": "Youth Yell", "ja": "ユースエール"},
}
CCUS_VALUES: dict[str, dict[str, str]] = {
    "none": {"en": "Not done, or no qualifying prime works", "ja": "実施していない（対象工事なしを含む）"},
    "public": {"en": "All public works under review", "ja": "審査対象工事のうち全ての公共工事で実施"},
    "all": {"en": "All works under review, including private works", "ja": "民間工事を含む全ての審査対象工事で実施"},
}
AUDIT_VALUES: dict[str, dict[str, str]] = {
    "none": {"en": "None", "ja": "なし"},
    "self": {"en": "Self-audit by the accounting manager", "ja": "経理処理の適正を確認した旨の書類の提出（自主監査）"},
    "accounting_advisor": {"en": "Accounting advisor (会計参与)", "ja": "会計参与設置"},
    "auditor": {"en": "Accounting auditor (会計監査人)", "ja": "会計監査人設置"},
}

# name: (kind, default, en, ja). kind: bool | int | number | wlb | ccus | audit
W_FIELDS: dict[str, tuple[str, Any, str, str]] = {
    "employment_insurance": ("bool", False, "Employment insurance joined (or exempt)",
                             "雇用保険加入（適用除外を含む）"),
    "health_insurance": ("bool", False, "Health insurance joined (or exempt)", "健康保険加入（適用除外を含む）"),
    "pension_insurance": ("bool", False, "Employees' pension insurance joined (or exempt)",
                          "厚生年金保険加入（適用除外を含む）"),
    "construction_retirement_mutual_aid": ("bool", False, "Construction workers' retirement mutual aid (建退共)",
                                           "建設業退職金共済制度加入"),
    "retirement_allowance": ("bool", False, "Retirement lump-sum or corporate pension scheme",
                             "退職一時金制度又は企業年金制度導入"),
    "non_statutory_accident_insurance": ("bool", False, "Non-statutory work-accident insurance",
                                         "法定外労働災害補償制度加入"),
    "young_staff_continuous": ("bool", False, "Technical staff under 35 are at least 15%",
                               "若年技術職員の継続的な育成及び確保（35歳未満が15%以上）"),
    "young_staff_new": ("bool", False, "New technical staff under 35 are at least 1%",
                        "新規若年技術職員の育成及び確保（1%以上）"),
    "skills_points": ("int", 0, "Knowledge and skills improvement points (W1-⑧, 0..10)",
                      "知識及び技術又は技能の向上（W1-⑧、0〜10点）"),
    "wlb": ("wlb", "none", "Work-life-balance certification", "ワーク・ライフ・バランスに関する取組"),
    "ccus": ("ccus", "none", "CCUS work-history recording", "建設キャリアアップシステム（CCUS）の就業履歴蓄積"),
    "years_in_business": ("int", 0, "Years in business", "営業年数"),
    "rehabilitation": ("bool", False, "Civil rehabilitation / corporate reorganisation in progress",
                       "民事再生法又は会社更生法の適用（手続中）"),
    "disaster_agreement": ("bool", False, "Disaster-response agreement", "防災協定の締結"),
    "suspension_order": ("bool", False, "Business suspension order within 1 year",
                         "営業停止処分（審査基準日前1年以内）"),
    "instruction_order": ("bool", False, "Instruction order within 1 year", "指示処分（審査基準日前1年以内）"),
    "audit": ("audit", "none", "Audit status", "監査の受審状況"),
    "accountants_value": ("number", Decimal(0), "Accountants value (CPA/tax accountant/1級 = 1, 2級 = 0.4)",
                          "公認会計士等数値（公認会計士・税理士・1級 = 1、2級 = 0.4）"),
    "total_completed_works": ("number", None, "Company total average completed works (W5 row)",
                              "会社全体の年間平均完成工事高（W5の区分）"),
    "rnd_expense": ("number", Decimal(0), "R&D expense, 2-period average", "研究開発費（2期平均）"),
    "machines": ("int", 0, "Construction machines", "建設機械の保有台数"),
    "iso9001": ("bool", False, "ISO 9001 certified", "ISO 9001 認証取得"),
    "iso14001": ("bool", False, "ISO 14001 certified", "ISO 14001 認証取得"),
    "eco_action21": ("bool", False, "Eco Action 21 certified", "エコアクション21 認証取得"),
}

BALANCES = ("allowance", "receivables", "payables", "inventories", "advances_received")

# field: (sign, en, ja). sign: "nonnegative" or "any"
FINANCIALS_FIELDS: dict[str, tuple[str, str, str]] = {
    "sales": ("nonnegative", "Net sales = completed works + other business sales (base period)",
              "売上高 = 完成工事高 + 兼業事業売上高（基準決算）"),
    "interest_expense": ("nonnegative", "Interest expense", "支払利息"),
    "interest_dividend_income": ("nonnegative", "Interest and dividend income", "受取利息配当金"),
    "current_liabilities": ("nonnegative", "Current liabilities", "流動負債合計"),
    "fixed_liabilities": ("nonnegative", "Fixed (non-current) liabilities", "固定負債合計"),
    "gross_profit": ("any", "Gross profit", "売上総利益"),
    "ordinary_profit": ("any", "Ordinary profit (sole proprietor: owner's profit)", "経常利益（個人: 事業主利益）"),
    "net_assets": ("any", "Net assets (equity)", "純資産合計（自己資本）"),
    "fixed_assets": ("nonnegative", "Fixed (non-current) assets", "固定資産合計"),
    "total_capital": ("nonnegative", "Total capital = total liabilities and net assets (base period)",
                      "総資本 = 負債純資産合計（基準決算）"),
    "retained_earnings": ("any", "Retained earnings (sole proprietor: net assets)",
                          "利益剰余金合計（個人: 純資産合計）"),
    "total_capital_prev": ("nonnegative", "Total capital, previous period (optional; for the x3 average)",
                           "前期の総資本（任意。x3の2期平均用）"),
    "operating_cf": ("any", "Operating cash flow, base period (instead of the parts below)",
                     "営業キャッシュフロー（基準決算。下記の内訳の代わりに入力）"),
    "operating_cf_prev": ("any", "Operating cash flow, previous period (optional)",
                          "前期の営業キャッシュフロー（任意）"),
    "depreciation": ("nonnegative", "Depreciation (減価償却実施額)", "減価償却実施額"),
    "corporate_taxes": ("any", "Corporate, inhabitant and enterprise taxes", "法人税、住民税及び事業税"),
    "ordinary_profit_prev": ("any", "Ordinary profit, previous period (optional; for the x7 average)",
                             "前期の経常利益（任意。x7の2期平均用）"),
    "depreciation_prev": ("nonnegative", "Depreciation, previous period", "前期の減価償却実施額"),
    "corporate_taxes_prev": ("any", "Corporate taxes, previous period", "前期の法人税、住民税及び事業税"),
}
_BALANCE_TEXT = {
    "allowance": ("Allowance for doubtful accounts (as a positive amount)", "貸倒引当金（正の数）"),
    "receivables": ("Trade receivables: notes + completed-works receivables (incl. electronic)",
                    "売掛債権: 受取手形 + 完成工事未収入金（電子記録債権を含む）"),
    "payables": ("Trade payables: notes + construction payables (incl. electronic)",
                 "仕入債務: 支払手形 + 工事未払金（電子記録債務を含む）"),
    "inventories": ("Inventories: costs on uncompleted works + materials", "棚卸資産: 未成工事支出金 + 材料貯蔵品"),
    "advances_received": ("Advances received on uncompleted works", "受入金: 未成工事受入金"),
}
for _name, (_en, _ja) in _BALANCE_TEXT.items():
    FINANCIALS_FIELDS[_name] = ("nonnegative", f"{_en}, base period", f"{_ja}（基準決算）")
    FINANCIALS_FIELDS[f"{_name}_prev"] = ("nonnegative", f"{_en}, previous balance sheet", f"{_ja}（前期末）")
    FINANCIALS_FIELDS[f"{_name}_prev2"] = ("nonnegative", f"{_en}, balance sheet before the previous one",
                                           f"{_ja}（前々期末）")
FIN_REQUIRED = ("sales", "interest_expense", "interest_dividend_income", "current_liabilities", "fixed_liabilities",
                "gross_profit", "ordinary_profit", "net_assets", "fixed_assets", "total_capital", "retained_earnings")
CF_PARTS = ("depreciation", "corporate_taxes", "ordinary_profit_prev", "depreciation_prev", "corporate_taxes_prev",
            *(f"{b}{s}" for b in BALANCES for s in ("", "_prev", "_prev2")))


def join_path(path: str, key: str) -> str:
    """``path.key``, or ``key`` at the top level."""
    return f"{path}.{key}" if path else key


# The W items by review item (W1 … W8), in the order of the official table: the form shows one section each.
W_SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("W1", "Social insurance, welfare, young staff, skills, work-life balance, CCUS",
     "建設工事の担い手の育成及び確保に関する取組の状況（社会保険・福利厚生・若年技術者・技能向上・WLB・CCUS）",
     ("employment_insurance", "health_insurance", "pension_insurance", "construction_retirement_mutual_aid",
      "retirement_allowance", "non_statutory_accident_insurance", "young_staff_continuous", "young_staff_new",
      "skills_points", "wlb", "ccus")),
    ("W2", "Years in business, rehabilitation", "建設業の営業継続の状況", ("years_in_business", "rehabilitation")),
    ("W3", "Disaster-response agreement", "防災活動への貢献の状況", ("disaster_agreement",)),
    ("W4", "Legal compliance: orders within the last year", "法令遵守の状況",
     ("suspension_order", "instruction_order")),
    ("W5", "Accounting: audit and qualified accountants", "建設業の経理の状況",
     ("audit", "accountants_value", "total_completed_works")),
    ("W6", "Research and development", "研究開発の状況", ("rnd_expense",)),
    ("W7", "Construction machines", "建設機械の保有状況", ("machines",)),
    ("W8", "ISO 9001, ISO 14001, Eco Action 21", "国際標準化機構が定めた規格による登録の状況",
     ("iso9001", "iso14001", "eco_action21")),
)
