"""The leading-group office's own records, and the situations a joint review must catch, planted in the world.

The office meets once a month (联审会签) on a few projects and assigns tasks to member units (督办事项), some
done on time, some late. Beside that, real ledgers carry situations the consistency flags exist for; each is
planted here at a realistic rate (a handful of projects or households in a city, at least one of each so a
small world shows them too), from a random stream of its own so the rest of the world stays as it was:

- a category 2 developer the tax bureau lists as abnormal (F05), whose project lacks its construction permit
  (F01, unless another category 2 project already does) and is past its committed completion (F02); a
  category 3 developer whose assets are not
  yet valued (F04), a ledger that still counts a household the roster shows resettled (F06), a few category
  1 or 4 households recorded as choosing on-site (F08), one "normal" category 5 project past its date (F11,
  the other category 5 projects get future dates, as normal construction has);
- a project the district reclassifies to category 4 in the second month, with no case yet (F03, and a
  category change), and a first-month joint-review decision that moves another project to category 4 which
  the district's later ledgers do not follow (F12);
- one clean control project on which no flag may fire (the tests check it).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from resettle.devtools.generator import people
from resettle.devtools.generator.world import (
    ONSITE_PURCHASE,
    UNDECIDED,
    UNIT_OCCUPIED,
    Project,
    World,
    month_end,
)

MEMBER_UNITS = "区政府、市住建局、市自然资源局、市审计局、市保障性住房服务中心"
_STEP_TASKS = {
    1: (("清盘收回", "市保障性住房服务中心"), ("偿还所欠费用", "市保障性住房服务中心")),
    2: (("偿还协议", "市保障性住房服务中心"), ("合法建设手续", "市住建局")),
    3: (("所得分配", "district"), ("转让续建", "district")),
    4: (("清产核资", "市公安局"), ("封停", "district")),
}


@dataclass
class Decision:
    meeting_no: str
    meeting_date: dt.date
    project_code: str
    units: str
    opinion: str
    decision: str
    category_after: int | None
    recorder: str


@dataclass
class SupervisionItem:
    item_no: str
    project_code: str | None
    district: str
    task: str
    responsible_unit: str
    assigned_date: dt.date
    due_date: dt.date
    progress_note: str | None = None
    done_date: dt.date | None = None
    status: str = "办理中"
    closed_period: str | None = None


class Office:
    """The office's records over the months, and the planted situations; `month` runs after `World.advance`."""

    def __init__(self, world: World, seed: int):
        self.world = world
        self.rng = random.Random(f"{seed}/office")
        self.decisions: list[Decision] = []
        self.items: list[SupervisionItem] = []
        self.month_index = 0
        self.control: Project | None = None
        self.reclassified: Project | None = None
        self.mover: Project | None = None
        self.ledger_task: SupervisionItem | None = None
        """The district's task to follow the decision on the mover's category: it stays open (F12, overdue)."""
        self._item_seq = 0
        self.planted: dict[str, str] = {}
        """Flag code -> a project where the situation was planted (the rest occur on their own)."""
        self._plant()

    # ----- planted situations -------------------------------------------------------------------------------

    def _in_scope(self, category: int) -> list[Project]:
        return [p for p in self.world.projects if p.in_scope and p.disposal_category == category]

    def _plant(self) -> None:
        rng, world = self.rng, self.world
        first = world.first_month
        cat1 = self._in_scope(1)
        self.control = cat1[0] if cat1 else None
        if self.control is not None:
            self.control.contracted_return_date = dt.date(2019, 6, 30)
            self.control.ledger_offset = 0
        taken = {self.control.project_code} if self.control else set()

        def pick(category: int) -> Project | None:
            options = [p for p in self._in_scope(category) if p.project_code not in taken]
            if not options:
                return None
            chosen = rng.choice(options)
            taken.add(chosen.project_code)
            return chosen

        if (project := pick(2)) is not None:
            self.planted["F05"] = project.project_code
            developer = project.developer
            developer.abnormal_taxpayer = True
            developer.tax_arrears = developer.tax_arrears or round(rng.uniform(2e5, 3e6), 2)
            developer.last_filing = people.random_date(rng, dt.date(2019, 1, 1), dt.date(2021, 12, 31))
            building = project.construction
            if building.construction_permit_no is not None and not self._has_flag_01(2):
                building.construction_permit_no, building.progress_pct = None, 0.0
                self.planted["F01"] = project.project_code
            if building.committed_completion is not None and building.committed_completion >= first:
                building.committed_completion = first - dt.timedelta(days=rng.randint(30, 200))
                self.planted["F02"] = project.project_code
        if (project := pick(3)) is not None:
            self.planted["F04"] = project.project_code
            world.court_cases = [c for c in world.court_cases if c.developer is not project.developer]
        for category in (2, 4, 3):
            if (project := pick(category)) is not None:
                self.planted["F06"] = project.project_code
                project.ledger_offset = 1
                break
        onsite = [
            h
            for p in self._in_scope(1) + self._in_scope(4)
            if p is not self.control
            for h in p.households
            if not h.resettled and h.resettlement_choice == UNDECIDED
        ]
        for household in rng.sample(onsite, min(len(onsite), max(1, len(onsite) // 200))):
            household.resettlement_choice = ONSITE_PURCHASE
            self.planted.setdefault("F08", household.project_code)
        normal = [p for p in world.projects if p.disposal_category == 5]
        for i, project in enumerate(sorted(normal, key=lambda p: p.project_code)):
            if not i:
                self.planted["F11"] = project.project_code
            else:
                project.contracted_return_date = people.random_date(
                    rng, first + dt.timedelta(days=120), first + dt.timedelta(days=900)
                )
        cases = {id(c.developer) for c in world.court_cases + world.police_cases}
        movable = [p for p in world.projects if p.in_scope and p.disposal_category != 4 and p is not self.control]
        quiet = [p for p in movable if id(p.developer) not in cases]
        self.reclassified = next((p for p in quiet if p.project_code not in taken), quiet[0] if quiet else None)
        if self.reclassified is not None:
            taken.add(self.reclassified.project_code)
            self.planted["F03"] = self.reclassified.project_code
        self.mover = next(
            (p for p in movable if p.project_code not in taken),
            next((p for p in movable if p is not self.reclassified), None),
        )
        if self.mover is not None:
            taken.add(self.mover.project_code)
            self.planted["F12"] = self.mover.project_code
        self._taken = taken

    def _has_flag_01(self, category: int) -> bool:
        """Whether a category 2 project already lacks a commitment or a construction permit (F01 occurs)."""
        return any(
            p.construction.commitment_date is None or p.construction.construction_permit_no is None
            for p in self._in_scope(category)
            if p is not self.control
        )

    def _keep_control_clean(self) -> None:
        """The control project's handed-over flats are occupied, as the service center should report."""
        if self.control is None:
            return
        for household in self.control.households:
            if household.resettled and household.unit is not None:
                household.unit.status = UNIT_OCCUPIED

    # ----- one month of the office --------------------------------------------------------------------------

    def month(self, month_start: dt.date, cutoff: dt.date) -> None:
        rng, world = self.rng, self.world
        self._keep_control_clean()
        label = f"{month_start:%Y-%m}"
        if self.month_index == 1 and self.reclassified is not None:
            self.reclassified.category_override = 4
        for item in self.items:
            if item.status == "办理中" and item is not self.ledger_task and rng.random() < 0.35:
                item.done_date = people.random_date(rng, max(item.assigned_date, month_start), cutoff)
                item.status = "已办结"
                item.progress_note = "已按要求办结"
                item.closed_period = label
        self.items = [i for i in self.items if i.closed_period in (None, label)]
        meeting_date = min(cutoff, month_start + dt.timedelta(days=rng.randint(8, 16)))
        meeting_no = f"LS{month_start:%Y%m}-01"
        candidates = [p for p in world.projects if p.in_scope and p is not self.control and p is not self.mover]
        reviewed = rng.sample(candidates, min(len(candidates), 3))
        if self.month_index == 0 and self.mover is not None:
            self.decisions.append(
                Decision(
                    meeting_no,
                    meeting_date,
                    self.mover.project_code,
                    MEMBER_UNITS,
                    "开发企业不守诺、不配合处置，各单位同意调整处置方式",
                    "该项目调整为不配合类，由区政府会同公安、法院依法处置",
                    4,
                    "市住建局",
                )
            )
            self._item_seq += 1
            district = world.districts[self.mover.district].name_zh
            self.ledger_task = SupervisionItem(
                f"DB{month_start:%Y}-{self._item_seq:03d}",
                self.mover.project_code,
                self.mover.district,
                "按联审会签决定调整项目处置类别并更新项目台账",
                district,
                meeting_date,
                meeting_date + dt.timedelta(days=10),
            )
            self.items.append(self.ledger_task)
        for project in reviewed:
            category = project.disposal_category
            step, unit = rng.choice(_STEP_TASKS[category])
            unit = f"{world.districts[project.district].name_zh}" if unit == "district" else unit
            done = rng.random() < 0.3
            decision = f"已完成{step}，下一步按处置路径推进" if done else f"责成{unit}推进{step}"
            self.decisions.append(
                Decision(
                    meeting_no, meeting_date, project.project_code, MEMBER_UNITS, "同意", decision, None, "市住建局"
                )
            )
            if not done:
                self._item_seq += 1
                late = rng.random() < 0.4
                due = meeting_date + dt.timedelta(days=rng.randint(10, 20) if late else rng.randint(40, 70))
                self.items.append(
                    SupervisionItem(
                        f"DB{month_start:%Y}-{self._item_seq:03d}",
                        project.project_code,
                        project.district,
                        f"推进{step}",
                        unit,
                        meeting_date,
                        due,
                    )
                )
        self.month_index += 1
        self.current_month = label
        self.current_end = month_end(month_start)

    def decisions_of(self, label: str) -> list[Decision]:
        return [d for d in self.decisions if f"{d.meeting_date:%Y-%m}" == label]
