"""Column labels the dashboard and the bulletin both show, so a figure reads the same on the screen and on
the printed page."""

from __future__ import annotations

CERTIFICATE_LABELS = {
    "rank": "名次",
    "district_name_zh": "区",
    "households_resettled": "应办证户数",
    "applied": "已申请",
    "issued": "已发证",
    "issued_this_month": "本月发证",
    "issued_percent": "发证率(%)",
    "blocked": "暂缓办理",
    "blocked_tax_arrears": "其中开发企业欠税",
    "not_applied_6_months": "安置满6个月未申请",
    "median_days_to_certificate": "安置至发证天数(中位)",
}
PETITION_LABELS = {
    "district_name_zh": "区",
    "new_cases": "本月新增",
    "resolved_cases": "本月办结",
    "open_cases": "在办",
    "open_province": "在办到省",
    "open_beijing": "在办进京",
    "open_mass": "在办集体访",
    "without_handler": "到省进京未落实专人",
    "open_persons": "在办人数",
}
