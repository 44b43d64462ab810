"""The simulated truth: developers, projects, households, housing units and cases, evolving month by month.

Every office's file is a view of this one world, so the ledger agrees with the roster, the units file with
the resettled households and the court with the developers by construction: a test that finds a mismatch
has found a bug, not noise. The world draws from a single random stream, month after month, so the first
months of a longer run are the same as a shorter run with the same seed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import deque
from dataclasses import dataclass, field
from functools import cache

from resettle.devtools.generator import people
from resettle.domain.config import DISTRICTS
from resettle.domain.reference import District, disposal_categories, districts
from resettle.domain.vocabulary import petition_levels, resettlement_choices

PROGRAM_START = dt.date(2019, 12, 1)

_CATEGORY_WEIGHTS = ((1, 14), (2, 34), (3, 20), (4, 24), (5, 6))
_DISTRICT_WEIGHTS = {"xiangyang": 22, "gongnong": 20, "nanshan": 17, "xingan": 15, "taishan": 14, "xingshan": 12}

DISPLACED, CASH_BUYER = "被动迁", "现金购房"
EXCHANGE, ONSITE, RENTAL, ONSITE_PURCHASE, REFUND, UNDECIDED = (
    "异地产权调换",
    "原址回迁",
    "租赁住房",
    "原址购房",
    "退还费用",
    "未选择",
)
EXCHANGE_AGREEMENT, RENTAL_AGREEMENT, COMMITMENT_LETTER, NO_AGREEMENT = (
    "产权调换协议书",
    "租赁住房协议书",
    "回迁安置承诺书",
    "无",
)
EXCHANGE_UNIT, RENTAL_UNIT = "产权调换房", "租赁房"


@cache
def agreement_for() -> dict[str, str]:
    """The agreement each choice signs (the `resettlement_choices` seed)."""
    return {c: v.agreement_type for c, v in resettlement_choices().items() if v.agreement_type}


@cache
def unit_type_for() -> dict[str, str]:
    """The service-center unit each choice needs (the `resettlement_choices` seed)."""
    return {c: v.unit_type for c, v in resettlement_choices().items() if v.unit_type}


UNIT_FREE, UNIT_ALLOCATED, UNIT_OCCUPIED = "待分配", "已分配", "已入住"


_ESTATE_WORDS = (
    "锦绣",
    "阳光",
    "幸福",
    "和谐",
    "世纪",
    "金色",
    "翰林",
    "滨河",
    "松鹤",
    "鹤城",
    "碧水",
    "紫金",
    "东方",
    "新华",
    "北岸",
    "福地",
    "康居",
    "馨园",
    "龙脊",
    "春晖",
    "丽都",
    "盛景",
)
_ESTATE_TYPES = ("家园", "花园", "佳苑", "名苑", "雅居", "华庭", "新城", "丽景", "公寓", "嘉园", "御景", "尚城", "小区")
_STREETS = (
    "红旗路",
    "解放路",
    "新华路",
    "南翼路",
    "工农路",
    "五指山路",
    "鹤立路",
    "兴山路",
    "胜利路",
    "文化路",
    "振兴路",
    "峻德路",
    "育才路",
    "松鹤路",
    "东山路",
    "建设路",
    "光宇路",
    "六号路",
)
_PHASES = ("一期", "二期", "三期", "A区", "B区")
_COMMUNITIES = (
    "福泽家园",
    "安泰小区",
    "幸福里",
    "和顺家园",
    "康乐小区",
    "惠民家园",
    "祥瑞小区",
    "安居苑",
    "金丰小区",
    "民生家园",
    "宜居小区",
    "新兴家园",
    "鹤祥园",
    "泰丰小区",
)
_FUNDING = ("企业自筹", "企业自筹+销售回款", "银行贷款", "引入合作开发企业", "股东增资", "企业自筹+银行贷款")
_CHARGES = ("合同诈骗", "非法吸收公众存款", "拒不支付劳动报酬", "集资诈骗", "挪用资金")
_REASONS = {
    1: ("开发企业资金链断裂，自愿放弃项目", "企业经营困难，无力续建，申请放弃项目"),
    2: ("开发企业资金不足，工程停建", "建设手续不全，未能按期复工", "预售资金被挪用，工程停工多年"),
    3: ("开发企业已注销，主体灭失", "开发企业被吊销营业执照，法定代表人下落不明"),
    4: ("开发企业拒不履行回迁安置义务", "开发企业挪用预售资金，不配合处置", "开发企业违背承诺，工程长期停工"),
    5: ("受冬季停工及资金周转影响，工期延误", "规划调整导致工期顺延"),
}


@dataclass
class Developer:
    uscc: str
    name: str
    category: int
    founded: dt.date
    tax_name: str
    tax_arrears: float
    abnormal_taxpayer: bool
    last_filing: dt.date


@dataclass
class Construction:
    planning_permit_no: str | None
    construction_permit_no: str | None
    commitment_date: dt.date | None
    funding_source: str | None
    committed_start: dt.date | None
    committed_completion: dt.date | None
    progress_pct: float


@dataclass
class Unit:
    unit_code: str
    district: str
    unit_type: str
    address: str
    area_m2: float
    status: str = UNIT_FREE
    household_code: str | None = None


@dataclass
class Household:
    household_code: str
    project_code: str
    head_name: str
    id_number: str
    phone: str | None
    household_type: str
    contract_no: str | None
    contract_date: dt.date
    contracted_area_m2: float
    has_lawful_residence: bool
    petition_level: str
    resettlement_choice: str = UNDECIDED
    agreement_type: str = NO_AGREEMENT
    agreement_date: dt.date | None = None
    resettled_date: dt.date | None = None
    unit: Unit | None = None

    @property
    def resettled(self) -> bool:
        return self.resettled_date is not None


@dataclass
class Project:
    project_code: str
    project_name: str
    district: str
    developer: Developer
    project_nature: str
    contracted_return_date: dt.date
    overdue_reason: str
    displaced_share: float
    construction: Construction
    households: list[Household] = field(default_factory=list)
    category_override: int | None = None
    """A category the district set for this project alone (a reclassification), else the developer's."""
    ledger_offset: int = 0
    """Households the ledger still counts as unresettled beyond the roster (a stale ledger figure)."""

    @property
    def disposal_category(self) -> int:
        return self.category_override or self.developer.category

    @property
    def in_scope(self) -> bool:
        """Market-developed and not under normal construction: the program's own cases."""
        return self.project_nature == "市场开发" and self.disposal_category != 5


@dataclass
class CourtCase:
    case_no: str
    case_type: str
    developer: Developer
    defendant_name: str
    defendant_uscc: str | None
    project_code: str | None
    filed_date: dt.date
    status: str
    claim_amount: float | None
    seized_asset_value: float | None = None
    auction_date: dt.date | None = None
    auction_proceeds: float | None = None


@dataclass
class PoliceCase:
    case_no: str
    developer: Developer
    company_name: str
    company_uscc: str | None
    charge: str
    filed_date: dt.date
    status: str
    frozen_funds: float


def month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _money(rng: random.Random, low: float, high: float) -> float:
    """An amount in yuan, log-uniform so that small and large cases both occur."""
    return round(math.exp(rng.uniform(math.log(low), math.log(high))), 2)


class World:
    """All simulated facts; `advance` moves it through one reporting month."""

    def __init__(self, seed: int, households: int, first_month: dt.date):
        if households < 60:
            raise ValueError("households must be at least 60 (10 per district)")
        if first_month < dt.date(2020, 1, 1):
            raise ValueError("the program's first reporting month is 2020-01")
        self.rng = random.Random(seed)
        self.first_month = first_month
        self.districts: dict[str, District] = districts()
        self.developers: list[Developer] = []
        self.projects: list[Project] = []
        self.units: list[Unit] = []
        self.court_cases: list[CourtCase] = []
        self.police_cases: list[PoliceCase] = []
        self.pace = {d: round(self.rng.uniform(0.5, 1.5), 2) for d in DISTRICTS}
        self._unit_seq = {d: 0 for d in DISTRICTS}
        self._free_units: dict[tuple[str, str], deque[Unit]] = {}
        self._case_seq: dict[tuple[int, str], int] = {}
        self._issued_ids: set[str] = set()
        sizes = self._build_projects(households)
        self._build_households(sizes)
        self._by_code = {h.household_code: h for p in self.projects for h in p.households}
        self._settle_history()
        self._build_units()
        self._build_cases()

    # ----- construction of the initial state -------------------------------------------------------------

    def _build_projects(self, households: int) -> dict[str, int]:
        """Projects with their developers; returns how many households each project has."""
        rng = self.rng
        n_projects = max(6, round(households / 50))
        sizes = [min(300, max(10, round(rng.lognormvariate(math.log(40), 0.7)))) for _ in range(n_projects)]
        diff = households - sum(sizes)
        while diff:
            i = rng.randrange(n_projects)
            step = 1 if diff > 0 else -1
            if 10 <= sizes[i] + step <= 300:
                sizes[i] += step
                diff -= step
        weights = [_DISTRICT_WEIGHTS[d] for d in DISTRICTS]
        placed = list(DISTRICTS) + rng.choices(DISTRICTS, weights=weights, k=n_projects - len(DISTRICTS))
        returns = [people.random_date(rng, dt.date(2012, 1, 1), dt.date(2021, 12, 31)) for _ in range(n_projects)]
        starts = [r.year - rng.randint(2, 4) for r in returns]

        n_developers = max(5, round(n_projects / 1.5))
        owner = rng.sample(range(n_developers), n_developers)
        owner += [rng.randrange(n_developers) for _ in range(n_projects - n_developers)]
        self._build_developers(n_developers, [(starts[p], placed[p]) for p in range(n_projects)], owner)

        seq: dict[tuple[str, int], int] = {}
        project_sizes: dict[str, int] = {}
        affordable = set(rng.sample(range(n_projects), max(1, n_projects // 25))) if n_projects >= 10 else set()
        taken_projects: set[str] = set()
        order = sorted(range(n_projects), key=lambda p: (DISTRICTS.index(placed[p]), starts[p], p))
        for p in order:
            district = self.districts[placed[p]]
            key = (district.district, starts[p])
            seq[key] = seq.get(key, 0) + 1
            developer = self.developers[owner[p]]
            demolition = rng.random() < 0.6
            category = developer.category
            self.projects.append(
                Project(
                    project_code=f"{district.project_code_prefix}{starts[p]}-{seq[key]:03d}",
                    project_name=self._project_name(developer, demolition, taken_projects),
                    district=district.district,
                    developer=developer,
                    project_nature="保障性住房" if p in affordable else "市场开发",
                    contracted_return_date=returns[p],
                    overdue_reason=rng.choice(_REASONS[category]),
                    displaced_share=rng.uniform(0.6, 0.95) if demolition else rng.uniform(0.0, 0.3),
                    construction=self._construction(district, starts[p], category),
                )
            )
            project_sizes[self.projects[-1].project_code] = sizes[p]
        self.projects.sort(key=lambda project: project.project_code)
        return project_sizes

    def _build_developers(self, n_developers: int, projects: list[tuple[int, str]], owner: list[int]) -> None:
        """Developers, one disposal category each (every category present); `projects` are (start year, district)."""
        rng = self.rng
        categories = rng.sample(list(disposal_categories()), 5) + [
            people.weighted(rng, _CATEGORY_WEIGHTS) for _ in range(n_developers - 5)
        ]
        taken_cores: set[str] = set()
        for i, category in enumerate(categories):
            first_start, home = min(projects[p] for p in range(len(projects)) if owner[p] == i)
            founded_year = max(1995, first_start - rng.randint(1, 6))
            founded = people.random_date(rng, dt.date(founded_year, 1, 1), dt.date(founded_year, 12, 31))
            region = "230400" if rng.random() < 0.3 else self.districts[home].region_code
            name = people.company_name(rng, taken_cores)
            abnormal = category == 3 or (category == 4 and rng.random() < 0.2)
            if category == 3:
                arrears = _money(rng, 5e4, 5e6)
                last_filing = people.random_date(rng, dt.date(2014, 1, 1), dt.date(2019, 6, 30))
            else:
                arrears = _money(rng, 1e4, 2e6) if rng.random() < (0.5 if category in (1, 4) else 0.1) else 0.0
                last_filing = self.first_month - dt.timedelta(days=rng.randint(15, 40))
                if abnormal:
                    last_filing = people.random_date(rng, dt.date(2018, 1, 1), dt.date(2021, 12, 31))
            self.developers.append(
                Developer(
                    uscc=people.uscc(rng, region, founded.year),
                    name=name,
                    category=category,
                    founded=founded,
                    tax_name=people.name_variant(rng, name) if rng.random() < 0.1 else name,
                    tax_arrears=arrears,
                    abnormal_taxpayer=abnormal,
                    last_filing=last_filing,
                )
            )

    def _project_name(self, developer: Developer, demolition: bool, taken: set[str]) -> str:
        rng = self.rng
        while True:
            if demolition and rng.random() < 0.4:
                name = f"{rng.choice(_STREETS)}{rng.choice(('棚户区改造', '旧城改造', '片区改造'))}项目"
            elif rng.random() < 0.5:
                core = developer.name.replace("鹤岗市", "").replace("黑龙江省", "").replace("黑龙江", "")
                name = f"{core.replace('鹤岗', '')[:2]}·{rng.choice(_ESTATE_WORDS)}{rng.choice(_ESTATE_TYPES)}"
            else:
                name = f"{rng.choice(_ESTATE_WORDS)}{rng.choice(_ESTATE_TYPES)}"
            if rng.random() < 0.3 or name in taken:
                name += rng.choice(_PHASES)
            if name not in taken:
                taken.add(name)
                return name

    def _construction(self, district: District, start_year: int, category: int) -> Construction:
        rng = self.rng
        planning = construction = None
        permitted = 0.9 if category in (2, 5) else 0.75
        if rng.random() < permitted + 0.05:
            planning = f"建字第{district.region_code}{start_year}{rng.randrange(1, 400):05d}号"
            if rng.random() < permitted:
                issued = people.random_date(rng, dt.date(start_year, 3, 1), dt.date(start_year, 10, 31))
                construction = f"{district.region_code}{issued:%Y%m%d}{rng.randrange(1, 100):02d}01"
        low, high = {1: (0, 40), 2: (10, 70), 3: (5, 60), 4: (10, 80), 5: (30, 90)}[category]
        progress = float(rng.randrange(low, high + 1, 5)) if construction else 0.0
        commitment = funding = start = completion = None
        if category == 2 or (category == 4 and rng.random() < 0.3):
            latest = max(dt.date(2020, 1, 15), self.first_month - dt.timedelta(days=60))
            commitment = people.random_date(rng, dt.date(2020, 1, 15), latest)
            funding = rng.choice(_FUNDING)
            start = commitment + dt.timedelta(days=rng.randint(30, 180))
            completion = start + dt.timedelta(days=rng.randint(365, 900))
        return Construction(planning, construction, commitment, funding, start, completion, progress)

    def _build_households(self, sizes: dict[str, int]) -> None:
        rng = self.rng
        hegang = tuple(d.region_code for d in self.districts.values())
        for project in self.projects:
            district = self.districts[project.district]
            start_year = int(project.project_code[2:6])
            cat4 = project.disposal_category == 4
            petition_weights = (80, 9, 7, 3, 1) if not cat4 else (64, 14, 12, 7, 3)
            for i in range(sizes[project.project_code]):
                male = rng.random() < 0.62
                birth_year = int(rng.triangular(1938, 1993, 1962))
                birth = people.random_date(rng, dt.date(birth_year, 1, 1), dt.date(birth_year, 12, 31))
                region = people.id_region(rng, district.region_code, hegang)
                displaced = rng.random() < project.displaced_share
                if displaced:
                    contract_date = people.random_date(rng, dt.date(start_year, 3, 1), dt.date(start_year, 10, 31))
                    contract_no = f"{district.project_code_prefix}CQ{start_year}-{rng.randrange(1, 10000):04d}"
                    area = round(rng.uniform(38, 95), 2)
                    lawful = rng.random() < 0.2
                else:
                    last = max(dt.date(start_year, 6, 1), project.contracted_return_date - dt.timedelta(days=180))
                    contract_date = people.random_date(rng, dt.date(start_year, 5, 1), last)
                    contract_no = f"YS{contract_date.year}{rng.randrange(10**6):06d}"
                    area = round(rng.uniform(55, 130), 2)
                    lawful = rng.random() < 0.55
                project.households.append(
                    Household(
                        household_code=f"{project.project_code}-{i + 1:04d}",
                        project_code=project.project_code,
                        head_name=people.person_name(rng, male),
                        id_number=people.resident_id(rng, region, birth, male, self._issued_ids),
                        phone=people.phone(rng),
                        household_type=DISPLACED if displaced else CASH_BUYER,
                        contract_no=contract_no if rng.random() > 0.03 else None,
                        contract_date=contract_date,
                        contracted_area_m2=area,
                        has_lawful_residence=lawful,
                        petition_level=rng.choices(tuple(petition_levels()), weights=petition_weights)[0],
                    )
                )

    def _choice(self, household: Household, project: Project, undecided: bool) -> str:
        """What a household chooses, given what the policy offers it under the project's category."""
        if not project.in_scope:
            options = ((ONSITE, 80), (UNDECIDED, 20))
        elif household.household_type == DISPLACED:
            options = {
                1: ((EXCHANGE, 75), (REFUND, 5), (UNDECIDED, 20)),
                2: ((ONSITE, 50), (EXCHANGE, 35), (UNDECIDED, 15)),
                3: ((EXCHANGE, 55), (ONSITE_PURCHASE, 15), (REFUND, 10), (UNDECIDED, 20)),
                4: ((EXCHANGE, 75), (REFUND, 5), (UNDECIDED, 20)),
            }[project.disposal_category]
        elif not household.has_lawful_residence:
            options = {
                1: ((RENTAL, 60), (REFUND, 20), (UNDECIDED, 20)),
                2: ((ONSITE, 50), (RENTAL, 30), (UNDECIDED, 20)),
                3: ((ONSITE_PURCHASE, 30), (RENTAL, 35), (REFUND, 15), (UNDECIDED, 20)),
                4: ((RENTAL, 60), (REFUND, 20), (UNDECIDED, 20)),
            }[project.disposal_category]
        else:
            options = {
                1: ((REFUND, 55), (UNDECIDED, 45)),
                2: ((ONSITE, 70), (UNDECIDED, 30)),
                3: ((ONSITE_PURCHASE, 45), (REFUND, 30), (UNDECIDED, 25)),
                4: ((REFUND, 55), (UNDECIDED, 45)),
            }[project.disposal_category]
        if not undecided:
            options = tuple(o for o in options if o[0] != UNDECIDED) or ((UNDECIDED, 1),)
        return people.weighted(self.rng, options)

    def _settle_history(self) -> None:
        """Choices, agreements and handovers between the policy and the first reporting month."""
        rng = self.rng
        first, last = PROGRAM_START, self.first_month - dt.timedelta(days=1)
        elapsed = (self.first_month.year - first.year) * 12 + self.first_month.month - first.month
        p_signed = min(0.85, 0.2 + elapsed / 60)
        for project in self.projects:
            for household in project.households:
                household.resettlement_choice = self._choice(household, project, undecided=True)
                if household.resettlement_choice == ONSITE:
                    self._sign(household, people.random_date(rng, first, last), project.district)
                elif household.resettlement_choice in unit_type_for() and rng.random() < p_signed:
                    household.agreement_type = agreement_for()[household.resettlement_choice]
                    household.agreement_date = people.random_date(rng, first, last)
                    handover = household.agreement_date + dt.timedelta(days=rng.randint(20, 400))
                    if handover <= last and rng.random() < 0.85:
                        household.resettled_date = handover

    def _build_units(self) -> None:
        """The pool the service center allocated per district, sized on what districts reported, plus slack."""
        rng = self.rng
        for district in DISTRICTS:
            households = [h for p in self.projects if p.district == district for h in p.households]
            for choice, unit_type in unit_type_for().items():
                wanted = sum(1 for h in households if h.resettlement_choice == choice)
                for _ in range(wanted + math.ceil(wanted * 0.1) + rng.randint(1, 4)):
                    self._new_unit(district, unit_type)
            signed = sorted(
                (h for h in households if h.agreement_type in (EXCHANGE_AGREEMENT, RENTAL_AGREEMENT)),
                key=lambda h: (h.agreement_date, h.household_code),
            )
            for household in signed:
                self._allocate(household, district)
                if household.resettled and household.resettled_date < self.first_month - dt.timedelta(days=45):
                    household.unit.status = UNIT_OCCUPIED

    def _new_unit(self, district: str, unit_type: str) -> Unit:
        rng = self.rng
        self._unit_seq[district] += 1
        n = self._unit_seq[district]
        building, flat = divmod(n - 1, 36)
        entrance, rest = divmod(flat, 12)
        floor, room = divmod(rest, 2)
        community = _COMMUNITIES[(DISTRICTS.index(district) * 3 + building // 4) % len(_COMMUNITIES)]
        name_zh = self.districts[district].name_zh
        address = f"鹤岗市{name_zh}{community}{building + 1}号楼{entrance + 1}单元{floor + 1}{room + 1:02d}室"
        area = round(rng.uniform(45, 90) if unit_type == EXCHANGE_UNIT else rng.uniform(35, 60), 2)
        prefix = self.districts[district].project_code_prefix
        unit = Unit(f"FY-{prefix}-{n:05d}", district, unit_type, address, area)
        self.units.append(unit)
        self._free_units.setdefault((district, unit_type), deque()).append(unit)
        return unit

    def _allocate(self, household: Household, district: str) -> None:
        """Give a signed household a free unit of its type; the center adds a batch when the pool runs dry."""
        unit_type = unit_type_for()[household.resettlement_choice]
        pool = self._free_units.setdefault((district, unit_type), deque())
        if not pool:
            for _ in range(self.rng.randint(8, 16)):
                self._new_unit(district, unit_type)
        free = pool.popleft()
        free.status = UNIT_ALLOCATED
        free.household_code = household.household_code
        household.unit = free

    def _sign(self, household: Household, day: dt.date, district: str) -> None:
        household.agreement_type = agreement_for()[household.resettlement_choice]
        household.agreement_date = day
        if household.resettlement_choice in unit_type_for():
            self._allocate(household, district)

    def _case_no(self, year: int, kind: str) -> str:
        key = (year, kind)
        self._case_seq[key] = self._case_seq.get(key, self.rng.randint(0, 40)) + self.rng.randint(1, 25)
        return f"（{year}）黑04{kind}{self._case_seq[key]}号"

    def _court_case(
        self, developer: Developer, case_type: str, kind: str, filed: dt.date, status: str, claim: float | None
    ) -> CourtCase:
        rng = self.rng
        own = [p.project_code for p in self.projects if p.developer is developer]
        case = CourtCase(
            case_no=self._case_no(filed.year, kind),
            case_type=case_type,
            developer=developer,
            defendant_name=people.name_variant(rng, developer.name) if rng.random() < 0.12 else developer.name,
            defendant_uscc=None if rng.random() < 0.06 else developer.uscc,
            project_code=rng.choice(own) if own and rng.random() < 0.4 else None,
            filed_date=filed,
            status=status,
            claim_amount=claim,
        )
        self.court_cases.append(case)
        return case

    def _police_case(self, developer: Developer, filed: dt.date, charge: str, status: str) -> None:
        rng = self.rng
        region = developer.uscc[2:8]
        self.police_cases.append(
            PoliceCase(
                case_no=f"A{region}{rng.randrange(10**6):06d}{filed:%Y%m}{rng.randrange(1, 10000):04d}",
                developer=developer,
                company_name=people.name_variant(rng, developer.name) if rng.random() < 0.12 else developer.name,
                company_uscc=None if rng.random() < 0.06 else developer.uscc,
                charge=charge,
                filed_date=filed,
                status=status,
                frozen_funds=_money(rng, 1e5, 3e7) if rng.random() < 0.8 else 0.0,
            )
        )

    def _build_cases(self) -> None:
        """Lawsuits and criminal cases filed before the first reporting month, by developer category."""
        rng = self.rng
        last = self.first_month - dt.timedelta(days=1)
        for developer in self.developers:
            if developer.category == 4:
                for _ in range(rng.randint(1, 2)):
                    filed = people.random_date(rng, dt.date(2018, 1, 1), last)
                    older = rng.choice(("已移送起诉", "已移送起诉", "已结案"))
                    status = "侦查中" if (last - filed).days < 400 else older
                    self._police_case(developer, filed, rng.choice(_CHARGES[:3]), status)
            elif developer.category == 3 and rng.random() < 0.25:
                filed = people.random_date(rng, dt.date(2017, 1, 1), last)
                self._police_case(developer, filed, "拒不支付劳动报酬", rng.choice(("侦查中", "已移送起诉")))
        for developer in self.developers:
            category = developer.category
            if category == 4:
                for _ in range(rng.randint(1, 3)):
                    filed = people.random_date(rng, dt.date(2016, 1, 1), last)
                    judged = (last - filed).days > 300
                    case = self._court_case(
                        developer, "民事", "民初", filed, "已判决" if judged else "审理中", _money(rng, 3e5, 3e7)
                    )
                    if judged and rng.random() < 0.6:
                        enforce = min(last, filed + dt.timedelta(days=rng.randint(200, 500)))
                        execution = self._court_case(developer, "执行", "执", enforce, "执行中", case.claim_amount)
                        execution.seized_asset_value = _money(rng, 1e6, 5e7)
                if any(c.developer is developer and c.status == "已移送起诉" for c in self.police_cases):
                    filed = people.random_date(rng, dt.date(2020, 1, 1), last)
                    self._court_case(developer, "刑事", "刑初", filed, rng.choice(("审理中", "已判决")), None)
            elif category == 3:
                if rng.random() < 0.5:
                    filed = people.random_date(rng, dt.date(2018, 1, 1), last)
                    self._court_case(developer, "破产", "破", filed, "审理中", None)
                for _ in range(rng.randint(1, 2)):
                    filed = people.random_date(rng, dt.date(2016, 1, 1), last)
                    case = self._court_case(developer, "执行", "执", filed, "执行中", _money(rng, 5e5, 3e7))
                    case.seized_asset_value = _money(rng, 1e6, 6e7)
                    if rng.random() < 0.4:
                        case.auction_date = people.random_date(rng, filed + dt.timedelta(days=90), last)
                        case.auction_proceeds = round(case.seized_asset_value * rng.uniform(0.55, 0.95), 2)
                        if case.auction_date > last:
                            case.auction_date, case.auction_proceeds = None, None
            elif category in (1, 2) and rng.random() < (0.3 if category == 1 else 0.1):
                filed = people.random_date(rng, dt.date(2017, 1, 1), last)
                self._court_case(
                    developer, "民事", "民初", filed, rng.choice(("审理中", "已判决", "已结案")), _money(rng, 1e5, 5e6)
                )

    # ----- one reporting month -----------------------------------------------------------------------------

    def advance(self, month_start: dt.date, cutoff: dt.date) -> None:
        """Everything that happens in a reporting month, dated between its first day and `cutoff`."""
        rng = self.rng
        for unit in self.units:
            if unit.status == UNIT_ALLOCATED and rng.random() < 0.5:
                household = self.household(unit.household_code)
                if household.resettled and household.resettled_date < month_start:
                    unit.status = UNIT_OCCUPIED
        for project in self.projects:
            pace = self.pace[project.district]
            for household in project.households:
                if household.resettled:
                    continue
                if household.resettlement_choice == UNDECIDED and project.in_scope:
                    if rng.random() < 0.05:
                        household.resettlement_choice = self._choice(household, project, undecided=False)
                        if household.resettlement_choice == ONSITE:
                            self._sign(household, people.random_date(rng, month_start, cutoff), project.district)
                elif household.resettlement_choice in unit_type_for():
                    if household.agreement_type == NO_AGREEMENT:
                        if rng.random() < 0.15 * pace:
                            self._sign(household, people.random_date(rng, month_start, cutoff), project.district)
                    elif rng.random() < 0.15 * pace:
                        household.resettled_date = people.random_date(rng, month_start, cutoff)
            self._advance_construction(project, month_start)
        self._advance_cases(month_start, cutoff)
        self._advance_tax(month_start, cutoff)

    def _advance_construction(self, project: Project, month_start: dt.date) -> None:
        rng = self.rng
        c = project.construction
        building_season = 4 <= month_start.month <= 10
        if c.commitment_date and c.planning_permit_no and not c.construction_permit_no and rng.random() < 0.05:
            region = self.districts[project.district].region_code
            issued = month_start.replace(day=rng.randint(1, 28))
            c.construction_permit_no = f"{region}{issued:%Y%m%d}{rng.randrange(1, 100):02d}01"
        if not (building_season and c.construction_permit_no and c.progress_pct < 100):
            return
        if project.disposal_category == 2 and c.committed_start and c.committed_start <= month_start:
            c.progress_pct = min(100.0, round(c.progress_pct + rng.uniform(0.5, 3.5), 1))
        elif project.disposal_category == 5:
            c.progress_pct = min(100.0, round(c.progress_pct + rng.uniform(2, 5), 1))

    def _advance_cases(self, month_start: dt.date, cutoff: dt.date) -> None:
        rng = self.rng
        for case in list(self.court_cases):
            if case.status == "审理中" and case.case_type in ("民事", "刑事") and rng.random() < 0.15:
                case.status = "已判决"
            elif case.status == "已判决" and rng.random() < 0.03:
                case.status = "已结案"
            elif case.case_type == "执行" and case.status == "执行中":
                if case.developer.category == 3 and case.auction_date is None and rng.random() < 0.1:
                    case.auction_date = people.random_date(rng, month_start, cutoff)
                    case.auction_proceeds = round(case.seized_asset_value * rng.uniform(0.55, 0.95), 2)
                elif case.auction_date is not None and rng.random() < 0.15:
                    case.status = "已结案"
        for developer in self.developers:
            if developer.category == 4 and rng.random() < 0.05:
                filed = people.random_date(rng, month_start, cutoff)
                self._court_case(developer, "民事", "民初", filed, "审理中", _money(rng, 3e5, 3e7))
        for case in self.police_cases:
            if case.status == "侦查中":
                if rng.random() < 0.06:
                    case.status = "已移送起诉"
                elif rng.random() < 0.15:
                    case.frozen_funds = round(case.frozen_funds + _money(rng, 5e4, 2e6), 2)
            elif case.status == "已移送起诉" and rng.random() < 0.03:
                case.status = "已结案"

    def _advance_tax(self, month_start: dt.date, cutoff: dt.date) -> None:
        """Late fees accrue on abnormal taxpayers; the others file by the 15th and sometimes pay arrears."""
        rng = self.rng
        for developer in self.developers:
            if developer.abnormal_taxpayer:
                developer.tax_arrears = round(developer.tax_arrears * 1.015, 2)
                continue
            developer.last_filing = people.random_date(rng, month_start, min(cutoff, month_start.replace(day=15)))
            if developer.tax_arrears and rng.random() < 0.1:
                developer.tax_arrears = round(developer.tax_arrears * rng.choice((0.0, 0.5, 0.8)), 2)

    # ----- lookups -----------------------------------------------------------------------------------------

    def household(self, household_code: str) -> Household:
        return self._by_code[household_code]

    def projects_of(self, district: str) -> list[Project]:
        return [p for p in self.projects if p.district == district]
