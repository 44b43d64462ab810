"""Names, resident ID numbers, phone numbers and companies that look like Hegang's.

Parsers and checks are only as good as the data they were tried on: names follow the surname frequencies
of north-east China, ID numbers carry real birth dates and Heilongjiang region codes, USCCs embed a valid
organization code, so a wrong check character in test data is always deliberate.
"""

from __future__ import annotations

import datetime as dt
import random

from resettle.domain.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char

SURNAMES = (
    ("王", 71),
    ("李", 70),
    ("张", 68),
    ("刘", 54),
    ("杨", 31),
    ("陈", 30),
    ("赵", 25),
    ("孙", 20),
    ("于", 15),
    ("徐", 13),
    ("高", 12),
    ("马", 11),
    ("郭", 11),
    ("周", 10),
    ("吴", 9),
    ("朱", 9),
    ("胡", 8),
    ("宋", 7),
    ("姜", 6),
    ("林", 6),
    ("郑", 6),
    ("韩", 6),
    ("曹", 5),
    ("董", 5),
    ("冯", 5),
    ("谢", 4),
    ("唐", 4),
    ("许", 4),
    ("崔", 4),
    ("付", 4),
    ("田", 4),
    ("孟", 4),
    ("范", 3),
    ("曲", 3),
    ("贾", 3),
    ("白", 3),
    ("吕", 3),
    ("石", 3),
    ("金", 3),
    ("丁", 3),
    ("邢", 2),
    ("常", 2),
    ("毕", 2),
    ("史", 2),
    ("邵", 2),
    ("姚", 2),
    ("潘", 2),
    ("关", 2),
    ("隋", 1),
    ("佟", 1),
    ("鲍", 1),
    ("那", 1),
    ("欧阳", 1),
)
_SURNAME_VALUES = tuple(s for s, _ in SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, w in SURNAMES)

_MALE_CHARS = "伟刚勇军强磊涛明波辉鹏杰斌超峰亮东林华平国建志文海春福生成宝庆利德胜义忠山发金喜贵力龙俊浩宇鑫洋博"
_FEMALE_CHARS = "丽娟敏静燕艳红霞玲芳梅英秀兰凤琴华萍娜颖慧淑桂玉珍云荣莉洁婷雪晶丹"
_MALE_GIVEN = (
    "建国",
    "国庆",
    "建华",
    "卫东",
    "志强",
    "志刚",
    "永刚",
    "德福",
    "长山",
    "宝山",
    "振华",
    "洪涛",
    "海涛",
    "立新",
    "晓东",
    "春雷",
    "福生",
    "庆林",
    "铁军",
    "玉林",
    "金龙",
    "国富",
    "树林",
    "长春",
)
_FEMALE_GIVEN = (
    "淑芬",
    "桂兰",
    "秀英",
    "玉兰",
    "凤琴",
    "淑华",
    "秀兰",
    "桂芝",
    "丽华",
    "春梅",
    "海燕",
    "红梅",
    "晓红",
    "丽娟",
    "淑珍",
    "玉霞",
    "凤霞",
    "艳秋",
    "桂荣",
    "秀云",
)

HEGANG_OTHER_REGIONS = ("230400", "230421", "230422")
HEILONGJIANG_REGIONS = ("230102", "230103", "230203", "230302", "230502", "230803", "230902", "231002")

_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "145",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)

_COMPANY_CORES = (
    "鑫达",
    "恒泰",
    "宏基",
    "金鼎",
    "华顺",
    "广厦",
    "龙泰",
    "盛世",
    "隆基",
    "福源",
    "天润",
    "中盛",
    "鼎盛",
    "宝泰",
    "兴业",
    "建华",
    "永泰",
    "嘉禾",
    "瑞祥",
    "三江",
    "汇丰",
    "华宇",
    "万和",
    "昌盛",
    "泰和",
    "鸿运",
    "天成",
    "金源",
    "龙源",
    "宏达",
    "联创",
    "伟业",
    "鹏程",
    "顺达",
    "凯旋",
    "金盛",
    "华鑫",
    "恒基",
    "祥和",
    "黑土",
    "龙江",
    "松江",
    "鹤鸣",
    "金都",
    "欣荣",
    "富源",
    "利民",
    "安居",
    "鑫源",
    "星光",
    "北疆",
    "鹤城",
    "东润",
    "聚丰",
    "德隆",
    "佳禾",
    "瑞丰",
    "宏远",
    "金泰",
    "润达",
)
_CORE_CHARS = "鑫恒宏金华广龙盛隆福天中鼎宝兴建永嘉瑞汇万昌泰鸿润源达顺凯祥荣富利安星德佳远聚"
_INDUSTRIES = (
    ("房地产开发", 55),
    ("置业", 15),
    ("房地产综合开发", 10),
    ("房地产开发建设", 5),
    ("地产", 5),
    ("建筑工程", 5),
    ("实业", 5),
)
_FORMS = (("有限公司", 78), ("有限责任公司", 20), ("股份有限公司", 2))


def weighted(rng: random.Random, pairs):
    """One value of (value, weight) pairs."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def person_name(rng: random.Random, male: bool) -> str:
    """A plausible name for a household head or clerk; given names have one or two characters."""
    surname = rng.choices(_SURNAME_VALUES, weights=_SURNAME_WEIGHTS)[0]
    chars = _MALE_CHARS if male else _FEMALE_CHARS
    roll = rng.random()
    if roll < 0.3:
        given = rng.choice(chars)
    elif roll < 0.6:
        given = rng.choice(_MALE_GIVEN if male else _FEMALE_GIVEN)
    else:
        given = rng.choice(chars) + rng.choice(chars)
    return surname + given


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day drawn uniformly from [start, end]; always a real calendar date."""
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def resident_id(rng: random.Random, region: str, birth: dt.date, male: bool, issued: set[str]) -> str:
    """A GB 11643 number: region, birth date, order code whose parity gives the sex, check character."""
    while True:
        order = rng.randrange(1, 1000)
        if (order % 2 == 1) != male:
            order = order - 1 if order > 1 else order + 1
        first17 = f"{region}{birth:%Y%m%d}{order:03d}"
        number = first17 + id_check_char(first17)
        if number not in issued:
            issued.add(number)
            return number


def id_region(rng: random.Random, home_region: str, hegang_regions: tuple[str, ...]) -> str:
    """Mostly the project's own district; some from elsewhere in Hegang or in Heilongjiang."""
    roll = rng.random()
    if roll < 0.72:
        return home_region
    if roll < 0.87:
        return rng.choice(hegang_regions + HEGANG_OTHER_REGIONS)
    return rng.choice(HEILONGJIANG_REGIONS)


def phone(rng: random.Random) -> str | None:
    """A mobile number, sometimes a Hegang landline (0468), sometimes none given."""
    roll = rng.random()
    if roll < 0.86:
        return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    if roll < 0.96:
        return f"0468-{rng.choice('38')}{rng.randrange(10**6):06d}"
    return None


def landline(rng: random.Random) -> str:
    """An office number in Hegang."""
    return f"0468-{rng.choice('38')}{rng.randrange(10**6):06d}"


_ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(rng: random.Random, founded_year: int) -> str:
    """A GB 11714 organization code (8 characters + check); companies registered from 2015 get MA codes."""
    if founded_year >= 2015:
        body = "MA1" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
    else:
        body = f"{rng.randrange(10**7, 10**8)}"
    check = 11 - sum(_ORG_VALUES[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(rng: random.Random, region: str, founded_year: int) -> str:
    """A GB 32100 code of an enterprise (registration authority 9, type 1) registered in `region`."""
    first17 = f"91{region}{organization_code(rng, founded_year)}"
    return first17 + uscc_check_char(first17)


def company_name(rng: random.Random, taken_cores: set[str]) -> str:
    """A developer's registered name, e.g. 鹤岗市鑫达房地产开发有限公司 or 恒泰（鹤岗）置业有限责任公司.

    Each trade name (字号) is used once, so that two developers never differ only in their prefix.
    """
    while True:
        core = rng.choice(_COMPANY_CORES) if rng.random() < 0.8 else "".join(rng.sample(_CORE_CHARS, 2))
        if core not in taken_cores:
            taken_cores.add(core)
            break
    industry = weighted(rng, _INDUSTRIES)
    form = weighted(rng, _FORMS)
    roll = rng.random()
    if roll < 0.6:
        return f"鹤岗市{core}{industry}{form}"
    if roll < 0.75:
        return f"黑龙江{core}{industry}{form}"
    if roll < 0.8:
        return f"黑龙江省{core}{industry}{form}"
    if roll < 0.9:
        return f"{core}（鹤岗）{industry}{form}"
    return f"鹤岗{core}{industry}{form}"


def name_variant(rng: random.Random, name: str) -> str:
    """The same company as another office writes it: bracket width, legal-form suffix or stray spaces."""
    if "（" in name and rng.random() < 0.7:
        return name.replace("（", "(").replace("）", ")")
    if name.endswith("有限责任公司"):
        return name[: -len("有限责任公司")] + "有限公司"
    if name.endswith("股份有限公司"):
        return name + " "
    if rng.random() < 0.5:
        return name[: -len("有限公司")] + "有限责任公司"
    for prefix in ("黑龙江省", "黑龙江", "鹤岗市", "鹤岗"):
        if name.startswith(prefix):
            return f"{prefix} {name[len(prefix) :]}"
    return f" {name}"
