"""The Streamlit app: `streamlit run plugins/resettle/reporting/dashboard/app.py` (or `resettle dashboard`).

Log-in first; then a sidebar with the month, the pages the user's role may open and a log-out button.
The database URL is the dashboard login role's (`RESETTLE_DASHBOARD_DB_URL`, set by `resettle dashboard`),
never the admin's; without it the app derives it from the warehouse settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `streamlit run` puts this file's folder first on sys.path, where `data`, `export`, `auth`... would shadow
# any top-level module of those names a library imports later; this app imports itself as `resettle.*`.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != _HERE]

import psycopg  # noqa: E402
import streamlit as st  # noqa: E402

from resettle.domain.periods import zh_month  # noqa: E402
from resettle.reporting.dashboard.auth import ROLES, authenticate  # noqa: E402
from resettle.reporting.dashboard.data import Warehouse  # noqa: E402
from resettle.reporting.dashboard.views import (  # noqa: E402
    alerts,
    certificates,
    developers,
    districts,
    households,
    overview,
    petitions,
    projects,
    quality,
    supervision,
    supply,
    unmatched,
)

MAX_FAILED_LOGINS = 5


def database_url() -> str:
    url = os.environ.get("RESETTLE_DASHBOARD_DB_URL")
    if url:
        return url
    from resettle import warehouse
    from resettle.warehouse.access import login_url

    return login_url(warehouse.url())


def _client_address() -> str | None:
    """The browser's address as Streamlit saw it (the lock-out counts failures per name and address)."""
    try:
        return st.context.ip_address
    except Exception:
        return None


def login_page() -> None:
    st.title("回迁安置攻坚 · 数据看板")
    st.caption("请使用领导小组办公室分配的账号登录。")
    failed = st.session_state.get("failed_logins", 0)
    with st.form("login"):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary", disabled=failed >= MAX_FAILED_LOGINS)
    if failed >= MAX_FAILED_LOGINS:
        st.error("登录失败次数过多，请刷新页面后重试。")
        return
    if submitted:
        with psycopg.connect(database_url(), connect_timeout=10) as conn:
            user = authenticate(conn, username, password, _client_address())
        if user is None:
            st.session_state["failed_logins"] = failed + 1
            st.error("用户名或密码错误，或账号已停用。")
            return
        _close_warehouse()
        st.session_state.clear()
        st.session_state["user"] = user
        st.session_state["warehouse"] = Warehouse(database_url(), user)
        st.rerun()


def sidebar(db: Warehouse) -> None:
    user = db.user
    periods = db.periods()
    with st.sidebar:
        scope = "全市" if user.district is None else (_district_name(db) or user.district)
        st.markdown(f"**{user.username}** · {ROLES[user.role]}  \n数据范围：{scope}")
        if periods:
            st.selectbox("报送期", periods, key="period", format_func=zh_month)
        else:
            st.session_state["period"] = None
        if st.button("退出登录", key="logout"):
            _close_warehouse()
            st.session_state.clear()
            st.rerun()


def _close_warehouse() -> None:
    """Close the signed-in user's warehouse connection before their session state is dropped."""
    db = st.session_state.get("warehouse")
    if db is not None:
        db.close()


def _district_name(db: Warehouse) -> str | None:
    progress = db.progress()
    return None if progress.empty else str(progress.district_name_zh.iloc[0])


def main() -> None:
    st.set_page_config(page_title="回迁安置攻坚看板", page_icon="🏠", layout="wide")
    # Also set here, for `streamlit run` without the flags of `resettle dashboard`: the built-in CSV download
    # of st.dataframe would bypass the formula-safe export and the household access log.
    st.set_option("client.disableDataExport", True)
    user = st.session_state.get("user")
    if user is None:
        st.navigation([st.Page(login_page, title="登录", url_path="login")], position="hidden").run()
        return
    db: Warehouse = st.session_state["warehouse"]
    sidebar(db)
    pages = [
        st.Page(overview.render, title="总览", url_path="overview", default=True),
        st.Page(districts.render, title="各区", url_path="districts"),
        st.Page(projects.render, title="项目", url_path="projects"),
        st.Page(households.render, title="住户", url_path="households"),
        st.Page(supply.render, title="房源供需", url_path="supply"),
        st.Page(developers.render, title="开发企业", url_path="developers"),
        st.Page(supervision.render, title="督办事项", url_path="supervision"),
        st.Page(quality.render, title="数据质量", url_path="quality"),
        st.Page(alerts.render, title="预警", url_path="alerts"),
        st.Page(certificates.render, title="产权办理", url_path="certificates"),
        st.Page(petitions.render, title="信访", url_path="petitions"),
    ]
    if user.sees_unmatched_records:
        pages.append(st.Page(unmatched.render, title="未匹配记录", url_path="unmatched"))
    st.navigation(pages).run()


main()
