"""Build the hostile landing folder: each file an attacker or an unlucky operator could drop, with the exact
outcome the intake must give it (`CASES`). Nothing large is committed: every case is made here, at test time,
from the committed corpus (`tests/fixtures/corpus`), in a second or so.

    .venv/bin/python -m tests.hostile.build /tmp/hostile     # writes <dir>/landing and <dir>/secrets

Outcomes: `refused` (registered and answered, never opened), `rejected` with the check named, `accepted`.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
PERIOD = "2026-10"
SECRET = "superuser-password-Hx7Q2Lw9"
"""What the fake warehouse settings file holds: no receipt, archive file or register row may contain it."""

TAX = CORPUS / "tax" / PERIOD / "市税务局企业涉税状态202610.csv"
POLICE = CORPUS / "police" / PERIOD / "市公安局涉案企业信息_202610.csv"
BUREAU = CORPUS / "housing_bureau" / PERIOD / "市住建局项目建设信息2026年10月.xlsx"
CENTER = CORPUS / "housing_center" / PERIOD / "市保障性住房服务中心安置房源分配情况（2026.10）.xlsx"
XINGAN_ROSTER = CORPUS / "xingan" / PERIOD / "兴安区_居民台账_202610.csv"


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    name: str
    status: str
    check: str | None = None
    """The check of the (first) finding; for refused entries `refused_<reason>`."""
    message: str | None = None
    """A phrase the register's message or the finding must contain."""
    row: int | None = None


CASES = [
    Case("link_to_settings", "xingan", "兴安区_月度进展_202610.csv", "refused", "refused_link"),
    Case("link_to_other_district", "xingan", "兴安区_居民台账_202610.csv", "refused", "refused_link"),
    Case("link_to_passwd", "tax", "市税务局企业涉税状态202610_系统.csv", "refused", "refused_link"),
    Case("fifo", "police", "市公安局涉案企业信息_管道.csv", "refused", "refused_special"),
    Case(
        "folder_named_like_a_file",
        "court",
        "2026-10/市中级人民法院涉案信息_202610.csv/inside.csv",
        "rejected",
        "placed",
        "所在文件夹名中的月份",
    ),
    Case("link_in_source_folder", "tax", "市税务局企业涉税状态_链接.csv", "refused", "refused_link"),
    Case("link_to_a_folder", "police", "旧文件", "refused", "refused_link"),
    Case("folder_too_deep", "court", "旧文件/一/二/三", "refused", "refused_folder"),
    Case("linked_month_folder", "taishan", "兴安区_月度进展_202610.csv", "refused", "refused_outside"),
    Case("linked_month_folder_2", "taishan", "兴安区_居民台账_202610.csv", "refused", "refused_outside"),
    Case("hidden_name", "tax", ".市税务局企业涉税状态202610.csv", "accepted"),
    Case("underscore_name", "police", "_市公安局涉案企业信息_202610.csv", "accepted"),
    Case(
        "declared_dimension_bomb",
        "housing_bureau",
        "市住建局项目建设信息_范围异常.xlsx",
        "rejected",
        "unreadable",
        "声明的列数",
    ),
    Case(
        "zip_bomb",
        "housing_center",
        "市保障性住房服务中心房源分配_压缩异常.xlsx",
        "rejected",
        "unreadable",
        "压缩比异常",
    ),
    Case("nul_byte", "police", "市公安局涉案企业信息_空字符.csv", "rejected", "unreadable", "空字符"),
    Case("extra_field", "police", "市公安局涉案企业信息_多一个字段.csv", "rejected", "row_width", "字段数", 3),
    Case("last_months_file", "tax", "市税务局企业涉税状态202609.csv", "rejected", "name_period", "2026年9月"),
    Case("last_months_content", "tax", "市税务局企业涉税状态_本月.csv", "rejected", "content_period", "2026-09"),
    Case("formula_cells", "police", "市公安局涉案企业信息_公式.csv", "rejected"),
    Case("newline_in_name", "police", "市公安局涉案企业信息\n抄送.csv", "rejected"),
]
"""Every hostile entry of the landing folder and what the intake must make of it."""

FORMULA = '=HYPERLINK("http://example.invalid/x","点击")'


def _xlsx_with(source: Path, edit) -> bytes:
    """A copy of an xlsx with each part passed through `edit(name, bytes) -> bytes`, plus extra parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info.filename)))
        extra = edit(None, b"")
        if extra:
            dst.writestr("xl/media/image1.bin", extra)
    return out.getvalue()


def build(root: Path) -> Path:
    """Write the hostile landing folder under `root/landing` (and the secrets it points at under
    `root/secrets`); returns the landing folder."""
    landing, secrets = root / "landing", root / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    settings_file = secrets / "warehouse.json"
    settings_file.write_text(f'{{"url": "postgresql://postgres:{SECRET}@127.0.0.1/resettle"}}\n')

    def folder(source: str) -> Path:
        path = landing / source / PERIOD
        path.mkdir(parents=True, exist_ok=True)
        return path

    # links: to a secret, to another district's roster, to a system file
    os.symlink(settings_file, folder("xingan") / "兴安区_月度进展_202610.csv")
    roster = secrets / "other_district" / "兴安区_居民台账_202610.csv"
    roster.parent.mkdir(exist_ok=True)
    shutil.copyfile(XINGAN_ROSTER, roster)
    os.symlink(roster, folder("xingan") / "兴安区_居民台账_202610.csv")
    os.symlink("/etc/passwd", folder("tax") / "市税务局企业涉税状态202610_系统.csv")
    # a FIFO (reading it would block) and a folder named like a file
    os.mkfifo(folder("police") / "市公安局涉案企业信息_管道.csv")
    (folder("court") / "市中级人民法院涉案信息_202610.csv").mkdir()
    (folder("court") / "市中级人民法院涉案信息_202610.csv" / "inside.csv").write_text("x\n")
    # outside the month folders: a link in a source's own folder, a link to a folder, folders too deep
    os.symlink("/etc/passwd", landing / "tax" / "市税务局企业涉税状态_链接.csv")
    os.symlink(secrets, landing / "police" / "旧文件")
    (landing / "court" / "旧文件" / "一" / "二" / "三").mkdir(parents=True)
    shutil.copyfile(TAX, landing / "court" / "旧文件" / "一" / "二" / "三" / "市税务局企业涉税状态202610.csv")
    # a district's month folder that is a link into another district's folder
    (landing / "taishan").mkdir(parents=True, exist_ok=True)
    os.symlink(landing / "xingan" / PERIOD, landing / "taishan" / PERIOD)
    # names the platform used to skip without a word
    shutil.copyfile(TAX, folder("tax") / ".市税务局企业涉税状态202610.csv")
    shutil.copyfile(POLICE, folder("police") / "_市公安局涉案企业信息_202610.csv")
    # a sheet declaring A1:XFD1048576; a zip bomb (a part inflating 1000 times)
    (folder("housing_bureau") / "市住建局项目建设信息_范围异常.xlsx").write_bytes(
        _xlsx_with(
            BUREAU,
            lambda name, data: (
                re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
                if name and name.startswith("xl/worksheets/")
                else data
            ),
        )
    )
    (folder("housing_center") / "市保障性住房服务中心房源分配_压缩异常.xlsx").write_bytes(
        _xlsx_with(CENTER, lambda name, data: data if name else bytes(24 << 20))
    )
    police = POLICE.read_bytes()
    lines = police.split(b"\n")
    (folder("police") / "市公安局涉案企业信息_空字符.csv").write_bytes(police.replace(b"\xe5\x90\x88", b"\x00", 1))
    (folder("police") / "市公安局涉案企业信息_多一个字段.csv").write_bytes(
        b"\n".join([*lines[:2], lines[2].rstrip(b"\r") + ",多出的值".encode(), *lines[3:]])
    )
    quoted = FORMULA.replace('"', '""')
    bad_row = f'A2304000000202103180099,91230400MA1BC3D4EK,"{quoted}",合同诈骗,2021/2/30,侦查中,0,市公安局'
    with_formula = [*lines[:2], bad_row.encode(), *lines[3:]]
    (folder("police") / "市公安局涉案企业信息_公式.csv").write_bytes(b"\n".join(with_formula))
    (folder("police") / "市公安局涉案企业信息\n抄送.csv").write_bytes(
        b"\n".join([lines[0], lines[1].replace(b"2021/3/18", b"2021/2/30"), *lines[2:]])
    )
    # last month's tax file dropped in this month's folder
    (folder("tax") / "市税务局企业涉税状态202609.csv").write_bytes(TAX.read_bytes().replace(b"2026-10", b"2026-09"))
    (folder("tax") / "市税务局企业涉税状态_本月.csv").write_bytes(
        TAX.read_bytes().replace(b"2026-10", b"2026-09").replace(b"\n", b"\r\n")
    )
    return landing


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    print(build(target))
