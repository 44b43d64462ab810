"""Scoped reads of the marts for the dashboard: every query runs as the user's PostgreSQL scope role.

The dashboard connects as `resettle_dashboard`, which can read nothing by itself. Each read opens a
transaction, writes its access-log row (if any) as the login role, then `SET LOCAL ROLE <scope>` and
queries; the role reverts when the transaction ends, so a connection never carries one user's scope into
another's read. The scope comes from the authenticated user's row, never from the page; its name is
quoted as an identifier and every value is a bound parameter. Row-level security and column grants on
the marts decide what comes back (resettle.warehouse.access).

Nothing here is cached across users: a cache keyed without the scope would leak rows between districts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pandas as pd
import psycopg

from resettle.domain.vocabulary import handled_levels
from resettle.reporting.dashboard.auth import User, log_event

LABELS = {
    "period": "报送期",
    "project_code": "项目编号",
    "district": "区代码",
    "submission_ids": "来源报送",
    "flag_codes": "一致性标记",
    "priority_score": "优先级评分",
    "household_code": "户编号",
    "household_pseudonym": "户主假名",
    "rank": "名次",
}
"""Column labels whose persisted dbt description does not start with a short Chinese label."""

TIMEZONE = "Asia/Shanghai"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def label_of(column: str, description: str | None) -> str:
    """A short Chinese label from a mart column's description (dbt persists them as column comments)."""
    if column in LABELS or not description:
        return LABELS.get(column, column)
    text = re.split(r" — |: |：|\. |\.$", description.strip(), maxsplit=1)[0]
    text = re.sub(r"\s*\([A-Za-z][^)]*\)", "", text).strip()
    return text if _CJK.search(text) and len(text) <= 24 else column


def named_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Disposal categories by their names (`继续建设`, from the `disposal_categories` seed), not their numbers."""
    from resettle.domain import reference

    if "disposal_category" in frame.columns:
        names = reference.disposal_categories()
        frame["disposal_category"] = [
            names.get(int(v), str(v)) if pd.notna(v) else None for v in frame["disposal_category"]
        ]
    return frame


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """numeric columns arrive as Decimal objects (charts and sorting want numbers); times are shown in
    Beijing time, as the districts read them, without an offset."""
    for column in frame.columns:
        values = frame[column].dropna()
        if frame[column].dtype == object and len(values) and isinstance(values.iloc[0], Decimal):
            frame[column] = pd.to_numeric(frame[column])
        elif isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    return frame


class Warehouse:
    """Reads for one dashboard user, through the login role's connection URL."""

    def __init__(self, url: str, user: User):
        self.url = url
        self.user = user
        self._conn: psycopg.Connection | None = None
        self._tables: dict[str, bool] = {}

    def _connection(self) -> psycopg.Connection:
        """This user's connection as their scope login role (a member of that scope alone), opened on first
        use and kept for the user's session: a page makes several reads, and logging in for each one cost
        more than the reads themselves. It belongs to this user only; a broken one is replaced."""
        from resettle.warehouse.access import scope_url

        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            conn = psycopg.connect(scope_url(self.url, self.user.scope_role), connect_timeout=10, autocommit=True)
            self._conn = conn
        return conn

    def close(self) -> None:
        """Close the user's connection (on log-out)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def scoped(self, log: tuple[str, dict] | None = None) -> Iterator[psycopg.Connection]:
        """One transaction on the user's connection; each read is its own transaction."""
        conn = self._connection()
        with conn.transaction():
            if log:
                log_event(conn, self.user, *log)
            yield conn

    def frame(self, query: str, params: tuple | dict = (), log: tuple[str, dict] | None = None) -> pd.DataFrame:
        with self.scoped(log) as conn, conn.cursor() as cur:
            cur.execute(query, params)
            columns = [c.name for c in cur.description]
            return tidy(pd.DataFrame(cur.fetchall(), columns=columns))

    def mart_frame(self, table: str, query: str, params: tuple | dict = ()) -> pd.DataFrame | None:
        """The query's rows, or None while the mart `table` has not been built yet (a new installation)."""
        return self.frame(query, params) if self.has_table(table) else None

    def has_table(self, table: str) -> bool:
        """Whether a mart exists; once it does, it is not asked again in this user's session (a mart is
        rebuilt in place, never removed)."""
        if not self._tables.get(table):
            with self.scoped() as conn:
                self._tables[table] = conn.execute(
                    "select to_regclass(%s) is not null", (f"marts.{table}",)
                ).fetchone()[0]
        return self._tables[table]

    def labels(self, table: str) -> dict[str, str]:
        with self.scoped() as conn:
            rows = conn.execute(
                "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
                "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped",
                (f"marts.{table}",),
            ).fetchall()
        return {name: label_of(name, desc) for name, desc in rows}

    # ---- figures -----------------------------------------------------------------------------------

    def periods(self) -> list[str]:
        if not self.has_table("district_monthly_progress"):
            return []
        frame = self.frame("select distinct period from marts.district_monthly_progress order by period desc")
        return frame["period"].tolist()

    def progress(self) -> pd.DataFrame:
        """district_monthly_progress, every month the user may see."""
        return self.frame(
            "select district, district_name_zh, period, projects, households_total, households_unresettled,"
            " households_resettled, percent_resettled, resettled_this_month, priority_projects,"
            " flagged_projects from marts.district_monthly_progress order by period, district"
        )

    def key_figures(self, period: str) -> dict:
        """Totals over the districts the user may see, for one month."""
        row = self.frame(
            "select coalesce(sum(projects), 0) as projects, coalesce(sum(households_total), 0) as households_total,"
            " coalesce(sum(households_unresettled), 0) as households_unresettled,"
            " coalesce(sum(households_resettled), 0) as households_resettled,"
            " coalesce(sum(priority_projects), 0) as priority_projects"
            " from marts.district_monthly_progress where period = %s",
            (period,),
        ).iloc[0]
        figures = {k: int(v) for k, v in row.items()}
        total = figures["households_total"]
        figures["percent_resettled"] = round(100 * figures["households_resettled"] / total, 1) if total else 0.0
        return figures

    def timeliness(self, period: str | None = None) -> pd.DataFrame | None:
        if not self.has_table("submission_timeliness"):
            return None
        where = "where period = %s" if period else ""
        return self.frame(
            "select source, source_name_zh, source_kind, district, period, due_at, is_extended, is_due,"
            " expected, received, accepted, rejected, on_time, late, missing, days_late, reporting_rate,"
            f" on_time_rate from marts.submission_timeliness {where} order by period, source",
            (period,) if period else (),
        )

    def projects(self, period: str) -> pd.DataFrame:
        return named_categories(
            self.frame(
                "select project_code, project_name, district_name_zh, developer_name, disposal_category_zh,"
                " is_in_scope, is_priority, priority_rank, months_overdue, months_without_progress, households_total,"
                " households_unresettled, petitioning_households, highest_petition_level, priority_score, flag_count,"
                " flags_zh, inferred_matches from marts.project_joint_review where period = %s"
                " order by is_in_scope desc, priority_score desc, project_code",
                (period,),
            )
        )

    def project_sheet(self, period: str, project_code: str) -> pd.Series | None:
        frame = named_categories(
            self.frame(
                "select * from marts.project_joint_review where period = %s and project_code = %s",
                (period, project_code),
            )
        )
        return None if frame.empty else frame.iloc[0]

    def household_counts(self, period: str) -> pd.DataFrame:
        """Unresettled in-scope households by type, choice and months waiting: open columns only, so a
        leader's scope role (no grant on the masked columns) can run it."""
        return self.frame(
            "select district, household_type, resettlement_choice, months_waiting, count(*) as households"
            " from marts.household_resettlement"
            " where period = %s and not is_resettled and in_scope"
            " group by district, household_type, resettlement_choice, months_waiting",
            (period,),
        )

    def household_list(
        self, period: str, district: str | None, choice: str | None, unresettled_only: bool
    ) -> pd.DataFrame:
        """The masked household list; the access log records who asked for which filter, in the same
        transaction as the read."""
        if not self.user.may_list_households:
            raise PermissionError("role may not list households")
        conditions, params = ["period = %s"], [period]
        if district:
            conditions.append("district = %s")
            params.append(district)
        if choice:
            conditions.append("resettlement_choice = %s")
            params.append(choice)
        if unresettled_only:
            conditions.append("not is_resettled")
        detail = {"period": period, "district": district, "choice": choice, "unresettled_only": unresettled_only}
        return self.frame(
            "select household_code, project_code, district, head_name_masked, id_number_masked, phone_masked,"
            " household_type, resettlement_choice, agreement_type, is_resettled, resettled_date,"
            " months_waiting, petition_level from marts.household_resettlement"
            f" where {' and '.join(conditions)} order by district, project_code, household_code",
            tuple(params),
            log=("household_list", detail),
        )

    def housing_supply(self, period: str) -> pd.DataFrame:
        return self.frame(
            "select * from marts.housing_supply where period = %s order by district, unit_type", (period,)
        )

    def files(self, period: str) -> pd.DataFrame | None:
        return self.mart_frame(
            "submission_files",
            "select submission_id, source, source_name_zh, district, dataset, dataset_title_zh, period,"
            " file_name, received_at, status, status_zh, rows_total, errors, warnings, message_zh, on_time,"
            " is_open_rejection from marts.submission_files where period = %s order by received_at",
            (period,),
        )

    def findings(self, period: str) -> pd.DataFrame | None:
        """Every problem found in the month's files that the scope may see (row security: a district its own)."""
        return self.mart_frame(
            "submission_findings",
            "select submission_id, finding_no, source_name_zh, dataset_title_zh, file_name, status_zh, severity,"
            " severity_zh, excel_row, column_header, message_zh from marts.submission_findings"
            " where period = %s order by submission_id, finding_no",
            (period,),
        )

    def alerts(self, period: str | None) -> pd.DataFrame | None:
        if not self.has_table("alert_history"):
            return None
        where = "where period = %s" if period else ""
        return self.frame(
            "select alert_id, kind, kind_zh, source_name_zh, district, dataset, period, title_zh, message_zh,"
            f" recipient_count, channels_ok, sent_at, resolved_at, is_open from marts.alert_history {where}"
            " order by sent_at desc",
            (period,) if period else (),
        )

    def developers(self, period: str) -> pd.DataFrame:
        return self.frame(
            "select developer_name, developer_uscc, projects, projects_in_scope, households_unresettled,"
            " court_cases, court_cases_open, seized_asset_value, auction_proceeds, police_cases, frozen_funds,"
            " tax_arrears, is_abnormal_taxpayer, risk_status from marts.developer_risk where period = %s"
            " order by households_unresettled desc",
            (period,),
        )

    def unmatched_records(self, period: str) -> pd.DataFrame:
        if not self.user.sees_unmatched_records:
            raise PermissionError("role may not see unmatched company records")
        return self.frame(
            "select dataset, record_key, company_uscc, company_name, submission_id, source_row"
            " from marts.unmatched_company_records where period = %s order by dataset, record_key",
            (period,),
        )

    def supervision_items(self, period: str) -> pd.DataFrame | None:
        return self.mart_frame(
            "supervision_items",
            "select item_no, district_name_zh, project_code, task, responsible_unit, assigned_date, due_date,"
            " done_date, state_zh, days_overdue, progress_note from marts.supervision_items where period = %s"
            " order by is_done, due_date, item_no",
            (period,),
        )

    def review_sheet_html(self, period: str, project_code: str) -> str | None:
        """The printable joint-review sheet, read under the user's scope like every other read."""
        from resettle.reporting.review_sheet import build_sheet, render_html

        with self.scoped() as conn:
            sheet = build_sheet(conn, project_code, period)
        return None if sheet is None else render_html(sheet)

    # ---- certificates and petitions ------------------------------------------------------------------

    def certificate_progress(self, period: str) -> pd.DataFrame | None:
        return self.mart_frame(
            "certificate_progress",
            "select * from marts.certificate_progress where period = %s order by district",
            (period,),
        )

    def certificate_blockers(self, period: str) -> pd.DataFrame:
        """Projects whose certificates are deferred or overdue for application, with what blocks them."""
        return self.frame(
            "select project_code, project_name, district_name_zh, certificates_needed, certificates_issued,"
            " certificates_blocked, certificate_blockers, households_lacking_certificate_application,"
            " tax_bureau_task_zh from marts.project_joint_review"
            " where period = %s and (certificates_blocked > 0 or households_lacking_certificate_application > 0)"
            " order by certificates_blocked desc, project_code",
            (period,),
        )

    def petition_summary(self, period: str) -> pd.DataFrame | None:
        """Per district: cases new and resolved this month, open, open by level and persons (open columns
        only: no pseudonym, so a leader's scope can run it)."""
        return self.mart_frame(
            "petition_cases",
            "select district, count(*) filter (where is_new_this_month) as new_cases,"
            " count(*) filter (where is_closed_this_month) as resolved_cases,"
            " count(*) filter (where is_open) as open_cases,"
            " count(*) filter (where is_open and level = '省') as open_province,"
            " count(*) filter (where is_open and level = '进京') as open_beijing,"
            " count(*) filter (where is_open and is_mass) as open_mass,"
            " count(*) filter (where lacks_handler) as without_handler,"
            " coalesce(sum(persons) filter (where is_open), 0) as open_persons"
            " from marts.petition_cases where period = %s group by district order by district",
            (period,),
        )

    def escalated_petitions(self, period: str) -> pd.DataFrame:
        """Open province and Beijing cases with their handler (or none named)."""
        return self.frame(
            "select case_no, district, project_code, level, received_date, form, persons, responsible_unit,"
            " handler, lacks_handler, status from marts.petition_cases"
            " where period = %s and is_open and level = any(%s)"
            " order by lacks_handler desc, level_rank desc, received_date",
            (period, list(handled_levels())),
        )

    def unmatched_petitions(self, period: str) -> pd.DataFrame | None:
        return self.mart_frame(
            "unmatched_petition_cases",
            "select unmatched_reason, count(*) as cases from marts.unmatched_petition_cases where period = %s"
            " group by unmatched_reason order by cases desc",
            (period,),
        )
