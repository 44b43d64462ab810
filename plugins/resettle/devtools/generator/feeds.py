"""Property certificates, petitions, developer repayments and household refunds: the feeds that follow the
world without changing it.

They evolve on a random stream of their own (seeded from the world's seed), so adding them left every
other file of a seed as it was, and the first months of a longer run are still those of a shorter one.
What they report stays consistent with the world: certificates only for exchange flats a household has
moved into; petitions from the households of the slowest projects (and, less often, anywhere); repayment
agreements from developers of categories 1-4 for their off-site households; refunds for the households
that chose them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from resettle.devtools.generator import people
from resettle.devtools.generator.reports import Table, _table
from resettle.devtools.generator.world import (
    EXCHANGE,
    EXCHANGE_UNIT,
    PROGRAM_START,
    REFUND,
    RENTAL,
    UNIT_OCCUPIED,
    Household,
    Project,
    World,
    month_end,
)
from resettle.domain.vocabulary import VOCABULARIES, handled_levels

NOT_APPLIED, APPLIED, ISSUED, DEFERRED = "未申请", "已受理", "已发证", "暂缓办理"
TAX_ARREARS, NO_ACCEPTANCE, INCOMPLETE = "开发企业欠税", "未竣工验收备案", "资料不全"
OPEN, CLOSED, SETTLED = "办理中", "已办结", "已化解"
_DEMANDS = (
    "要求尽快回迁安置",
    "要求退还购房款",
    "反映开发企业拒不履行回迁承诺",
    "要求明确异地安置房源",
    "反映过渡费未按时发放",
    "要求办理安置房产权证",
)
_UNITS = {
    "区": "{district}人民政府",
    "市": "市住房和城乡建设局",
    "省": "{district}人民政府",
    "进京": "{district}人民政府",
}
_WEIGHT = {"无": 1, "区": 4, "市": 6, "省": 12, "进京": 20}
"""Households that have petitioned before, the higher the more, are those who petition again."""
_LEADERS = ("副区长", "区住建局局长", "区信访局局长", "市住建局副局长", "街道党工委书记")


@dataclass
class Certificate:
    unit_code: str
    household: Household
    project: Project
    status: str = NOT_APPLIED
    applied: dt.date | None = None
    issued: dt.date | None = None
    number: str | None = None
    blocker: str | None = None
    slow: bool = False


@dataclass
class Petition:
    case_no: str
    household: Household
    project: Project
    by_id_only: bool
    level: str
    received: dt.date
    form: str
    persons: int
    demand: str
    responsible_unit: str
    handler: str | None
    status: str = OPEN
    closed: dt.date | None = None


@dataclass
class Repayment:
    agreement_no: str
    project: Project
    signed: dt.date
    amount_agreed: float
    due: dt.date
    amount_repaid: float = 0.0
    last_repaid: dt.date | None = None


@dataclass
class Refund:
    chosen: dt.date
    due: float
    paid: float = 0.0
    paid_date: dt.date | None = None


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from `start`'s month to `end`'s month, inclusive."""
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(day)
        day = month_end(day) + dt.timedelta(days=1)
    return out


class Feeds:
    """What the registration center, the petition bureau and the service center's repayment desk know."""

    def __init__(self, seed: int, world: World):
        self.rng = random.Random(f"{seed}/feeds")
        self.world = world
        self.certificates: dict[str, Certificate] = {}
        self.petitions: list[Petition] = []
        self.repayments: list[Repayment] = []
        self.refunds: dict[str, Refund] = {}
        self._petition_seq: dict[int, int] = {}
        self._certificate_seq = 0
        history_end = world.first_month - dt.timedelta(days=1)
        for month in _months(PROGRAM_START, history_end):
            self._advance(month, month_end(month), history=True)
        self._build_repayments(history_end)

    # ----- one month -----------------------------------------------------------------------------------------

    def advance(self, month_start: dt.date, cutoff: dt.date) -> None:
        """The month's events, after the world has moved (units occupied, households resettled)."""
        self.petitions = [p for p in self.petitions if p.status == OPEN]
        self._advance(month_start, cutoff, history=False)
        self._advance_repayments(month_start, cutoff)

    def _advance(self, month_start: dt.date, cutoff: dt.date, history: bool) -> None:
        self._advance_certificates(month_start, cutoff)
        self._advance_refunds(month_start, cutoff)
        self._advance_petitions(month_start, cutoff, history)

    def _occupied_exchange_units(self, before: dt.date):
        """Exchange flats households moved into before `before` (and the center marks occupied)."""
        for project in self.world.projects:
            for household in project.households:
                unit = household.unit
                if unit is None or unit.unit_type != EXCHANGE_UNIT or not household.resettled:
                    continue
                if household.resettled_date >= before:
                    continue
                if unit.status == UNIT_OCCUPIED:
                    yield project, household, unit

    def _advance_certificates(self, month_start: dt.date, cutoff: dt.date) -> None:
        rng = self.rng
        for project, household, unit in self._occupied_exchange_units(month_start):
            cert = self.certificates.get(unit.unit_code)
            if cert is None:
                cert = self.certificates[unit.unit_code] = Certificate(
                    unit.unit_code, household, project, slow=rng.random() < 0.2
                )
                continue
            owes_tax = project.developer.tax_arrears > 0
            if cert.status == NOT_APPLIED and rng.random() < (0.04 if cert.slow else 0.35):
                cert.status, cert.applied = APPLIED, people.random_date(rng, month_start, cutoff)
            elif cert.status == APPLIED:
                if owes_tax and rng.random() < 0.15:
                    cert.status, cert.blocker = DEFERRED, TAX_ARREARS
                elif rng.random() < 0.04:
                    cert.status, cert.blocker = DEFERRED, rng.choice((NO_ACCEPTANCE, INCOMPLETE))
                elif rng.random() < 0.4:
                    self._certificate_seq += 1
                    cert.status = ISSUED
                    cert.issued = max(cert.applied, people.random_date(rng, month_start, cutoff))
                    cert.number = f"黑（{cert.issued.year}）鹤岗市不动产权第{self._certificate_seq:07d}号"
            elif cert.status == DEFERRED:
                cleared = not owes_tax if cert.blocker == TAX_ARREARS else rng.random() < 0.25
                if cleared:
                    cert.status, cert.blocker = APPLIED, None

    def _advance_refunds(self, month_start: dt.date, cutoff: dt.date) -> None:
        rng = self.rng
        for project in self.world.projects:
            for household in project.households:
                if household.resettlement_choice != REFUND:
                    continue
                refund = self.refunds.get(household.household_code)
                if refund is None:
                    price = rng.uniform(2800, 4200)
                    self.refunds[household.household_code] = Refund(
                        people.random_date(rng, month_start, cutoff), round(household.contracted_area_m2 * price, 2)
                    )
                    continue
                if refund.paid < refund.due and rng.random() < 0.06:
                    part = refund.due if rng.random() < 0.6 else round(refund.due * rng.choice((0.3, 0.5)), 2)
                    refund.paid = min(refund.due, round(refund.paid + part, 2))
                    refund.paid_date = people.random_date(rng, month_start, cutoff)

    def _slowness(self, project: Project) -> float:
        """How far a project lags: the share of its households still waiting, more for uncooperative developers."""
        waiting = sum(1 for h in project.households if not h.resettled) / max(1, len(project.households))
        return waiting**2 * (2.0 if project.disposal_category == 4 else 1.0)

    def _advance_petitions(self, month_start: dt.date, cutoff: dt.date, history: bool) -> None:
        rng = self.rng
        for petition in self.petitions:
            if petition.status == OPEN and rng.random() < 0.2:
                petition.status = rng.choice((CLOSED, SETTLED))
                petition.closed = max(petition.received, people.random_date(rng, month_start, cutoff))
            elif petition.handler is None and petition.level in handled_levels() and rng.random() < 0.3:
                petition.handler = self._leader()
        if history:
            # Only the cases still open at the first reporting month matter; older ones are closed.
            self.petitions = [p for p in self.petitions if p.status == OPEN]
        for project in self.world.projects:
            if not project.in_scope:
                continue
            waiting = [h for h in project.households if not h.resettled]
            if not waiting:
                continue
            rate = 0.6 * self._slowness(project) + 0.02
            if rng.random() >= rate:
                continue
            household = rng.choices(waiting, weights=[_WEIGHT[h.petition_level] for h in waiting])[0]
            mass = rng.random() < 0.12
            self.petitions.append(self._petition(project, household, month_start, cutoff, mass))
        if not history:
            self._keep_one_escalation_unassigned()

    def _keep_one_escalation_unassigned(self) -> None:
        """A city always has an open province or Beijing case still waiting for a named handler (F23): when
        none is left, the latest open escalated case has not been assigned yet (no random draw, so the rest of
        the world stays the same)."""
        escalated = [p for p in self.petitions if p.status == OPEN and p.level in handled_levels()]
        if escalated and all(p.handler is not None for p in escalated):
            max(escalated, key=lambda p: (p.received, p.case_no)).handler = None

    def _leader(self) -> str:
        return people.person_name(self.rng, self.rng.random() < 0.7) + "（" + self.rng.choice(_LEADERS) + "）"

    def _petition(
        self, project: Project, household: Household, month_start: dt.date, cutoff: dt.date, mass: bool
    ) -> Petition:
        rng = self.rng
        levels = VOCABULARIES["petitioned_levels"]()
        top = levels.index(household.petition_level) if household.petition_level in levels else 1
        level = levels[rng.randint(max(0, top - 1), top)]
        received = people.random_date(rng, month_start, cutoff)
        self._petition_seq[received.year] = self._petition_seq.get(received.year, 0) + 1
        district = self.world.districts[project.district].name_zh
        escalated = level in handled_levels()
        handler = self._leader() if rng.random() < (0.75 if escalated else 0.5) else None
        return Petition(
            case_no=f"XF{received.year}-{self._petition_seq[received.year]:05d}",
            household=household,
            project=project,
            by_id_only=rng.random() < 0.3,
            level=level,
            received=received,
            form="集体访" if mass else rng.choice(("来信", "来访", "来访", "网上信访")),
            persons=rng.randint(5, 40) if mass else rng.randint(1, 3),
            demand=rng.choice(_DEMANDS),
            responsible_unit=_UNITS[level].format(district=district),
            handler=handler,
        )

    def _build_repayments(self, history_end: dt.date) -> None:
        """Agreements signed before the first reporting month, by the developer's category."""
        rng = self.rng
        share = {1: 0.6, 2: 0.8, 3: 0.3, 4: 0.3}
        seq = 0
        for project in self.world.projects:
            if not project.in_scope:
                continue
            offsite = sum(1 for h in project.households if h.resettlement_choice in (EXCHANGE, RENTAL))
            if not offsite or rng.random() >= share[project.disposal_category]:
                continue
            seq += 1
            signed = people.random_date(rng, dt.date(2020, 3, 1), max(dt.date(2020, 3, 2), history_end))
            agreed = round(offsite * rng.uniform(9e4, 2.2e5), 2)
            due = signed + dt.timedelta(days=rng.randint(365, 1100))
            repayment = Repayment(f"CH{signed.year}-{seq:03d}", project, signed, agreed, due)
            for month in _months(signed, history_end):
                self._pay(repayment, month, month_end(month))
            self.repayments.append(repayment)

    def _pay(self, repayment: Repayment, month_start: dt.date, cutoff: dt.date) -> None:
        rng = self.rng
        reliable = repayment.project.disposal_category == 2
        if repayment.amount_repaid < repayment.amount_agreed and rng.random() < (0.12 if reliable else 0.04):
            part = round(repayment.amount_agreed * rng.uniform(0.05, 0.2), 2)
            repayment.amount_repaid = min(repayment.amount_agreed, round(repayment.amount_repaid + part, 2))
            repayment.last_repaid = max(repayment.signed, people.random_date(rng, month_start, cutoff))

    def _advance_repayments(self, month_start: dt.date, cutoff: dt.date) -> None:
        for repayment in self.repayments:
            self._pay(repayment, month_start, cutoff)

    # ----- what each office reports --------------------------------------------------------------------------

    def property_certificates(self, period: str) -> Table:
        rows = [
            {
                "unit_code": c.unit_code,
                "household_code": c.household.household_code,
                "project_code": c.project.project_code,
                "certificate_status": c.status,
                "applied_date": c.applied,
                "issued_date": c.issued,
                "certificate_no": c.number,
                "blocker": c.blocker,
            }
            for c in sorted(self.certificates.values(), key=lambda c: c.unit_code)
        ]
        return _table("registration", "property_certificates", period, rows)

    def petition_cases(self, period: str) -> Table:
        """Open cases and those closed this month."""
        month = dt.date.fromisoformat(period + "-01")
        shown = [p for p in self.petitions if p.status == OPEN or (p.closed and p.closed >= month)]
        rows = [
            {
                "case_no": p.case_no,
                "household_code": None if p.by_id_only else p.household.household_code,
                "id_number": p.household.id_number if p.by_id_only else None,
                "project_code": p.project.project_code,
                "level": p.level,
                "received_date": p.received,
                "form": p.form,
                "persons": p.persons,
                "demand": p.demand,
                "responsible_unit": p.responsible_unit,
                "handler": p.handler,
                "status": p.status,
                "closed_date": p.closed,
            }
            for p in sorted(shown, key=lambda p: (p.received, p.case_no))
        ]
        return _table("petition", "petition_cases", period, rows)

    def repayment_agreements(self, period: str) -> Table:
        rows = [
            {
                "agreement_no": r.agreement_no,
                "developer_uscc": r.project.developer.uscc,
                "developer_name": r.project.developer.name,
                "project_code": r.project.project_code,
                "signed_date": r.signed,
                "amount_agreed": r.amount_agreed,
                "due_date": r.due,
                "amount_repaid": r.amount_repaid,
                "last_repaid_date": r.last_repaid,
            }
            for r in sorted(self.repayments, key=lambda r: r.agreement_no)
        ]
        return _table("housing_center", "repayment_agreements", period, rows)

    def roster_columns(self) -> dict[str, dict[str, object]]:
        """The roster's refund columns per household (and, for a refund, the date it was agreed)."""
        return {
            code: {"refund_due": r.due, "refund_paid": r.paid, "refund_date": r.paid_date, "agreement_date": r.chosen}
            for code, r in self.refunds.items()
        }
