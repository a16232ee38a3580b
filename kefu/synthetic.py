"""The synthetic insurer behind `kefu generate`: every extract as a numeric plan, rendered to
text a file at a time.

The plan holds what ties extracts together (times, units, staff, policies, complaints) as
numpy arrays, a few bytes per row, so 85 M rows fit in a few GiB. Text (ids, names,
timestamps) is rendered per file from row indices. Random text of a row (a customer's
name, 身份证号, phone) comes from a counter-based hash of the row's index, not from a random
stream, so a row renders identically in its monthly file and in a later correction, in
any order and on any thread. The same seed gives byte-identical files.

It also plants known patterns (``Insurer.planted``) that tests must find in the marts
exactly: a unit with a stated number of late complaints in one month, a unit whose ratings
make the 2026 weight change visible, a month with a stated number of new life policies
never called back, and one with a stated number of claims decided late.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.workspace import SEEDS_DIR

PERIOD_START = dt.date(2024, 11, 1)
PERIOD_MONTHS = 24  # two years of history, ending 2026-10-31 (inside the 2026 calendar)
LAST_DAY = dt.date(2026, 10, 31)
DAY = 86400
HOUR = 3600
COMPANY = "康福人寿"

PROVINCES = [
    ("广东省", ["广州市", "深圳市", "佛山市", "东莞市"]),
    ("江苏省", ["南京市", "苏州市", "无锡市", "常州市"]),
    ("浙江省", ["杭州市", "宁波市", "温州市", "绍兴市"]),
    ("山东省", ["济南市", "青岛市", "烟台市", "潍坊市"]),
    ("四川省", ["成都市", "绵阳市", "德阳市", "宜宾市"]),
    ("湖北省", ["武汉市", "宜昌市", "襄阳市", "荆州市"]),
]
DISTRICTS = ["城区", "开发区", "高新区"]
OUTLET_TYPES = ["旗舰服务中心", "标准服务中心", "服务厅", "理赔服务中心", "服务站"]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐梅莫庄辛管祝左涂谷"
)
GIVEN_CHARS = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文斌宇浩凯健俊帆帅旭宁龙林欣晨阳雪梅琳晶瑶婷雯倩颖慧佳怡思嘉"
)
# the lines the extracts may name; 康福人寿 is a life company, which writes the first three only
# (分业经营, 保险法 §95: a life insurer sells 寿险, 健康险, 意外险). A property-and-casualty
# sibling's 财险 and 车险 keep their own weights in the rule seeds (sq_weights, 000 策略1)
PRODUCT_LINES = ["寿险", "健康险", "意外险", "财险", "车险"]
LIFE_LINES = 3
LINE_LETTERS = ["L", "H", "A", "P", "V"]
SALES_CHANNELS = ["个险", "银保", "团险", "网销", "电销"]
COMPLAINT_CHANNELS = ["hotline", "online", "letter", "visit", "email", "regulator"]
COMPLAINT_CLASSES = ["product", "service", "staff_violation"]
# 责任部门 (003 §4.2), codes of seeds/departments.csv; the share of each class's complaints each
# department is responsible for (003 §6.3's examples: terms explained badly at sale, call-centre
# communication), and a few complaints left unassigned
DEPARTMENTS = ["sales", "customer_service", "underwriting_claims", "operations", "unassigned"]
DEPARTMENT_SHARES = {
    "product": [0.55, 0.05, 0.25, 0.10, 0.05],
    "service": [0.10, 0.50, 0.25, 0.10, 0.05],
    "staff_violation": [0.75, 0.15, 0.05, 0.0, 0.05],
}
STAGES = ["received", "contacted", "assigned", "investigating", "reported", "plan_approved", "feedback", "closed"]
# hours before each stage after the first (× a gamma(1.5) draw × the unit's slowness): measured
# at scale 0.1, a complaint closes in ~5 days on average (reopenings and extensions included),
# ~83% within the company's 4–5 working days (seeds D2) and ~97% within the regulator's 15 days
STAGE_HOURS = np.array([4, 4, 8, 20, 8, 6, 4])
OVERALL = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
RATINGS = ["优秀", "良好", "差"]
SQ_DIMENSIONS = ["attitude", "timeliness", "professionalism", "convenience", "satisfaction"]
POSITIONS = ["坐席", "柜员", "理赔专员", "销售", "质检员", "投诉专员"]
STAFF_PER_UNIT = 12
SUMMARIES = [
    "客户对条款理解有异议",
    "理赔等待时间过长",
    "热线等待时间过长",
    "销售人员夸大收益",
    "服务态度不佳",
    "保全办理流程繁琐",
]

# org history the generator plants (units exist from the smallest scale up)
MOVED_COUNTY = ("P01C02X3", "P01C01", dt.date(2025, 7, 1))  # re-parented to another city branch
RENAMED_OUTLET = ("P01C01X1W1", dt.date(2026, 1, 1))  # upgraded to a flagship centre
PLANT_ORG = "P02C01X1W1"  # the outlet that carries the planted patterns


def seed_rows(name: str) -> list[dict]:
    with open(SEEDS_DIR / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- deterministic text from row indices ----------------------------------------------
_M1, _M2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def row_hash(seed: int, salt: str, index: np.ndarray) -> np.ndarray:
    """splitmix64 of (seed, salt, row index): 64 random-looking bits per row, vectorised."""
    key = np.uint64(int.from_bytes(hashlib.blake2b(f"{seed}/{salt}".encode(), digest_size=8).digest(), "little"))
    with np.errstate(over="ignore"):
        z = (np.asarray(index, dtype=np.uint64) ^ key) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _bits(h: np.ndarray, shift: int, modulo: int) -> np.ndarray:
    return ((h >> np.uint64(shift)) % np.uint64(modulo)).astype(np.int64)


def _pick(categories, index) -> pa.Array:
    """categories[index] as Arrow strings (a C-level take); index -1 gives null."""
    index = np.asarray(index)
    values = pa.array(list(categories), pa.string()).take(pa.array(np.maximum(index, 0)))
    return _mask(values, index >= 0) if (index < 0).any() else values


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(text, width, "0"), "")


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _timestamps(seconds: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS'; a negative second (no such time) gives an empty field."""
    seconds = np.asarray(seconds)
    text = pc.cast(pa.array(np.maximum(seconds, 0).astype("datetime64[s]")), pa.string())
    return _mask(text, seconds >= 0) if (seconds < 0).any() else text


def _dates(seconds: np.ndarray, separator: str = "-") -> pa.Array:
    text = pc.cast(pa.array(np.asarray(seconds).astype("datetime64[s]").astype("datetime64[D]")), pa.string())
    return text if separator == "-" else pc.replace_substring(text, "-", separator)


def _mask(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    """Null out values where keep is False (an empty field in the CSV)."""
    return pc.if_else(pa.array(np.asarray(keep, dtype=bool)), arr, pa.scalar(None, arr.type))


def _numbers(values: np.ndarray, keep: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(values)
    return arr if keep is None else _mask(arr, keep)


def names(h: np.ndarray) -> pa.Array:
    return _join(
        _pick(SURNAMES, _bits(h, 0, len(SURNAMES))),
        _pick(GIVEN_CHARS, _bits(h, 12, len(GIVEN_CHARS))),
        _pick(GIVEN_CHARS + [""] * 20, _bits(h, 24, len(GIVEN_CHARS) + 20)),
    )


def id_numbers(h: np.ndarray) -> pa.Array:
    """18-digit 身份证号 with a valid GB 11643 check digit, computed on integers."""
    region = 110000 + _bits(h, 8, 549000)
    birth = (np.datetime64("1950-01-01") + _bits(h, 28, 365 * 55)).astype("datetime64[D]")
    month_start = birth.astype("datetime64[M]")
    ymd = (
        (month_start.astype("datetime64[Y]").astype(np.int64) + 1970) * 10000
        + (month_start.astype(np.int64) % 12 + 1) * 100
        + (birth - month_start).astype(np.int64)
        + 1
    )
    seq = _bits(h, 45, 1000)
    body = [region, ymd, seq]
    widths = [6, 8, 3]
    digits = [number // 10 ** (width - 1 - i) % 10 for number, width in zip(body, widths) for i in range(width)]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = sum(d * w for d, w in zip(digits, weights)) % 11
    text = [pc.utf8_lpad(pc.cast(pa.array(n), pa.string()), w, "0") for n, w in zip(body, widths)]
    return _join(*text, _pick(list("10X98765432"), check))


def phones(h: np.ndarray) -> pa.Array:
    number = (3 + _bits(h, 2, 7)) * 10**9 + _bits(h, 20, 10**9)
    return _join("1", pc.cast(pa.array(number), pa.string()))


@dataclass
class Extract:
    """One extract of the plan: n rows sorted by ``delivered`` (seconds: the time that puts a
    row in its monthly file), rendered to an all-text table from row indices."""

    name: str
    delivered: np.ndarray
    render: Callable[[np.ndarray], pa.Table]
    monthly: bool = True
    encoding: str = "utf-8"

    @property
    def n(self) -> int:
        return len(self.delivered)


def _seconds(day: dt.date) -> int:
    return int(np.datetime64(day, "s").astype(np.int64))


class Insurer:
    """A life insurer's two years of operations, as plans of every extract."""

    def __init__(self, scale: float, seed: int):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed = seed
        self.start = _seconds(PERIOD_START)
        self.end = int((np.datetime64(PERIOD_START, "M") + PERIOD_MONTHS).astype("datetime64[s]").astype(np.int64))
        small = scale < 0.5
        self.provinces = max(2, min(len(PROVINCES), int(np.ceil(6 * scale))))
        self.cities_per_province = 2 if small else 4
        self.n_policies = max(200, int(200_000 * scale))
        self.n_complaints = max(50, int(10_000 * scale))
        self.n_service = max(500, int(500_000 * scale))
        self.planted: dict = {}
        self._org_units()
        self._staff()
        self._policies()
        self._complaints()
        self._complaint_events()
        self._second_complaints()
        self._complaint_outcomes()
        self._service_events()
        self._surveys()
        self._claims()
        self._callbacks()
        self._inspections()

    def rng(self, name: str) -> np.random.Generator:
        # one independent stream per part of the plan: adding a part changes no other
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")
        return np.random.default_rng([self.seed, key])

    def hash(self, salt: str, index: np.ndarray) -> np.ndarray:
        return row_hash(self.seed, salt, index)

    def times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Seconds in the period, on days spread evenly, at office hours 08:00-20:00, sorted."""
        days = rng.integers(0, (self.end - self.start) // DAY, n)
        return np.sort(self.start + days * DAY + rng.integers(8 * HOUR, 20 * HOUR, n))

    def month_bounds(self, month: str) -> tuple[int, int]:
        first = np.datetime64(month, "M")
        return (
            int(first.astype("datetime64[s]").astype(np.int64)),
            int((first + 1).astype("datetime64[s]").astype(np.int64)),
        )

    # -- organisation and staff --------------------------------------------------------
    def _org_units(self) -> None:
        rng = self.rng("org_units")
        rows = [
            dict(
                org_code="HQ",
                org_name=f"{COMPANY}总公司",
                parent_code=None,
                org_level=1,
                org_type="总公司",
                province=None,
            )
        ]
        for p, (province, cities) in enumerate(PROVINCES[: self.provinces], 1):
            pcode = f"P{p:02d}"
            rows.append(
                dict(
                    org_code=pcode,
                    org_name=f"{COMPANY}{province}分公司",
                    parent_code="HQ",
                    org_level=2,
                    org_type="省级分公司",
                    province=province,
                )
            )
            for c, city in enumerate(cities[: self.cities_per_province], 1):
                ccode = f"{pcode}C{c:02d}"
                rows.append(
                    dict(
                        org_code=ccode,
                        org_name=f"{COMPANY}{city}中心支公司",
                        parent_code=pcode,
                        org_level=3,
                        org_type="中心支公司",
                        province=province,
                    )
                )
                for d, district in enumerate(DISTRICTS, 1):
                    xcode = f"{ccode}X{d}"
                    rows.append(
                        dict(
                            org_code=xcode,
                            org_name=f"{COMPANY}{city}{district}支公司",
                            parent_code=ccode,
                            org_level=4,
                            org_type="支公司",
                            province=province,
                        )
                    )
                    outlet = OUTLET_TYPES[rng.integers(0, len(OUTLET_TYPES))]
                    rows.append(
                        dict(
                            org_code=f"{xcode}W1",
                            org_name=f"{city}{district}{outlet}",
                            parent_code=xcode,
                            org_level=5,
                            org_type=outlet,
                            province=province,
                        )
                    )
        for row in rows:
            row.update(effective_from="2015-01-01", effective_to=None)
        # history: a county branch moves to another city branch; an outlet is upgraded
        history = []
        for row in rows:
            if row["org_code"] == MOVED_COUNTY[0]:
                moved = dict(row, parent_code=MOVED_COUNTY[1], effective_from=MOVED_COUNTY[2].isoformat())
                row["effective_to"] = (MOVED_COUNTY[2] - dt.timedelta(days=1)).isoformat()
                history.append(moved)
            if row["org_code"] == RENAMED_OUTLET[0]:
                renamed = dict(
                    row,
                    org_type="旗舰服务中心",
                    org_name=row["org_name"].replace(row["org_type"], "旗舰服务中心"),
                    effective_from=RENAMED_OUTLET[1].isoformat(),
                )
                row["effective_to"] = (RENAMED_OUTLET[1] - dt.timedelta(days=1)).isoformat()
                history.append(renamed)
        self.org_rows = rows + history
        self.leaves = np.array([r["org_code"] for r in rows if r["org_level"] >= 4])
        self.outlets = np.flatnonzero(np.char.find(self.leaves.astype(str), "W") > 0)
        w = self.rng("orgw").lognormal(0, 0.5, len(self.leaves))
        self.leaf_weights = w / w.sum()
        # how well each unit serves: drives lateness, satisfaction, ratings, forbidden phrases
        self.quality = self.rng("quality").beta(5, 2, len(self.leaves))
        self.plant_leaf = int(np.flatnonzero(self.leaves == PLANT_ORG)[0])

    def _staff(self) -> None:
        """Twelve staff slots per unit; some staff swap units (a transfer each way) on a day
        in the period, so who serves at a unit depends on when."""
        rng = self.rng("employees")
        n = len(self.leaves) * STAFF_PER_UNIT
        self.slot_emp = np.arange(n)
        self.swap_emp = np.arange(n)
        self.swap_at = np.full(n, np.iinfo(np.int64).max)
        pairs = rng.permutation(n)[: 2 * max(1, int(n * 0.03))].reshape(-1, 2)
        pairs = pairs[pairs[:, 0] // STAFF_PER_UNIT != pairs[:, 1] // STAFF_PER_UNIT]
        days = rng.integers(30, PERIOD_MONTHS * 30 - 30, len(pairs))
        at = self.start + days * DAY
        self.swap_emp[pairs[:, 0]], self.swap_emp[pairs[:, 1]] = pairs[:, 1], pairs[:, 0]
        self.swap_at[pairs[:, 0]] = self.swap_at[pairs[:, 1]] = at
        self.hire = self.start - rng.integers(30, 3650, n) * DAY
        self.leave = np.where(rng.random(n) < 0.08, self.start + rng.integers(30, PERIOD_MONTHS * 30, n) * DAY, -1)

    def staff_at(self, leaf: np.ndarray, slot: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The employee (index) in a unit's slot at time t."""
        s = leaf * STAFF_PER_UNIT + slot
        return np.where(t >= self.swap_at[s], self.swap_emp[s], self.slot_emp[s])

    def employee_table(self) -> pa.Table:
        n = len(self.slot_emp)
        h = self.hash("employees", np.arange(n))
        team = np.arange(n) % 3 + 1
        org = self.leaves[np.arange(n) // STAFF_PER_UNIT]
        teams = _join(_pick(self.leaves, np.arange(n) // STAFF_PER_UNIT), "-T", pc.cast(pa.array(team), pa.string()))
        moved = np.flatnonzero(self.swap_at < np.iinfo(np.int64).max)
        first = pa.table(
            {
                "employee_id": _ids("E", np.arange(1, n + 1), 6),
                "employee_name": names(h),
                "org_code": pa.array(org),
                "team_code": teams,
                "position": _pick(POSITIONS, np.arange(n) % len(POSITIONS)),
                "hire_date": _dates(self.hire),
                "leave_date": _mask(_dates(np.maximum(self.leave, 0)), self.leave >= 0),
                "effective_from": _dates(self.hire),
                "effective_to": _mask(_dates(np.minimum(self.swap_at, self.end) - DAY), self.swap_at < self.end),
            }
        )
        # the second assignment of each transferred employee: the partner's slot, from the day
        partner = self.swap_emp[moved]
        second = first.take(pa.array(moved)).set_column(2, "org_code", pa.array(org[partner]))
        second = second.set_column(3, "team_code", teams.take(pa.array(partner)))
        second = second.set_column(7, "effective_from", _dates(self.swap_at[moved]))
        second = second.set_column(8, "effective_to", pa.nulls(len(moved), pa.string()))
        return pa.concat_tables([first, second]).sort_by(
            [("employee_id", "ascending"), ("effective_from", "ascending")]
        )

    # -- policies ------------------------------------------------------------------------
    def _policies(self) -> None:
        rng = self.rng("policies")
        n = self.n_policies
        self.pol_t = self.times(rng, n)
        self.pol_org = rng.choice(len(self.leaves), n, p=self.leaf_weights)
        # a life company's new business by line (policies, not premium: accident and short-term
        # health policies are many and small)
        self.pol_line = rng.choice(len(PRODUCT_LINES), n, p=[0.5, 0.35, 0.15, 0, 0]).astype(np.int8)
        self.pol_product = rng.integers(0, 10, n).astype(np.int8)
        self.pol_channel = rng.integers(0, len(SALES_CHANNELS), n).astype(np.int8)
        self.pol_premium = np.round(rng.lognormal(8, 1.0, n) * np.array([3, 1, 0.3, 2, 1])[self.pol_line], 2)
        self.pol_insured = np.where(rng.random(n) < 0.05, rng.integers(2, 200, n), 1)
        long_term = rng.random(n) < 0.8
        self.pol_long = ((self.pol_line == 0) & long_term) | ((self.pol_line == 1) & (rng.random(n) < 0.3))
        self._plant_missing_callbacks()

    def _plant_missing_callbacks(self) -> None:
        """2026-02 at the planted outlet: new long-term life policies, a stated number of which
        are never called back (the others are, within two days)."""
        a, b = self.month_bounds("2026-02")
        in_scope = np.flatnonzero((self.pol_t >= a) & (self.pol_t < b) & (self.pol_line == 0) & self.pol_long)
        chosen = np.union1d(in_scope[:10], in_scope[self.pol_org[in_scope] == self.plant_leaf])
        self.pol_org[chosen] = self.plant_leaf
        missing = chosen[: max(1, len(chosen) // 3)]
        self.callback_plan = {"prompt": chosen[len(missing) :], "never": missing}
        self.planted["missing_callbacks"] = {
            "org_code": PLANT_ORG,
            "period_month": "2026-02",
            "policies_in_scope": len(chosen),
            "never_called_back": len(missing),
        }

    def policies(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            h = self.hash("policies", i)
            return pa.table(
                {
                    "policy_no": _ids("PL", i + 1, 10),
                    "org_code": _pick(self.leaves, self.pol_org[i]),
                    "product_code": _join(
                        _pick(LINE_LETTERS, self.pol_line[i]),
                        pc.cast(pa.array(100 + self.pol_product[i].astype(np.int64)), pa.string()),
                    ),
                    "product_line": _pick(PRODUCT_LINES, self.pol_line[i]),
                    "sales_channel": _pick(SALES_CHANNELS, self.pol_channel[i]),
                    "underwritten_on": _dates(self.pol_t[i], "/"),  # the policy system exports yyyy/mm/dd
                    "premium": _numbers(self.pol_premium[i]),
                    "insured_persons": _numbers(self.pol_insured[i]),
                    "is_long_term": _pick(["N", "Y"], self.pol_long[i].astype(np.int8)),
                    "customer_name": names(h),
                    "customer_id_no": id_numbers(h),
                    "customer_phone": phones(h),
                }
            )

        return Extract("policies", self.pol_t, render)

    # -- complaints ----------------------------------------------------------------------
    def _complaints(self) -> None:
        rng = self.rng("complaints")
        n = self.n_complaints
        self.c_t = self.times(rng, n)
        self.c_org = rng.choice(len(self.leaves), n, p=self.leaf_weights)
        self.c_slot = rng.integers(0, STAFF_PER_UNIT, n)
        self.c_class = rng.choice(3, n, p=[0.35, 0.5, 0.15]).astype(np.int8)
        self.c_channel = rng.choice(6, n, p=[0.45, 0.25, 0.05, 0.1, 0.05, 0.1]).astype(np.int8)
        self.c_policy = rng.integers(0, self.n_policies, n)
        self.c_has_policy = rng.random(n) < 0.9
        self.c_has_employee = rng.random(n) < 0.85
        self.c_summary = rng.integers(0, len(SUMMARIES), n)
        self.c_reason = self.reason_of_class(rng, self.c_class)
        # a complainant who complained before: the customer of an earlier complaint
        customer = np.arange(n)
        repeat = np.flatnonzero(rng.random(n) < 0.08)
        customer[repeat] = np.maximum(0, repeat - rng.integers(1, max(2, n // 8), len(repeat)))
        for _ in range(64):  # follow chains to the first complaint of each customer
            customer = customer[customer]
        self.c_customer = customer
        # further reasons and products of a complaint (item 1 is its own)
        extra = rng.choice(3, n, p=[0.7, 0.22, 0.08])
        self.item_complaint = np.repeat(np.arange(n), 1 + extra)
        self.item_seq = _seq_within(1 + extra)
        m = len(self.item_complaint)
        self.item_reason = np.where(
            self.item_seq == 1,
            self.c_reason[self.item_complaint],
            self.reason_of_class(rng, self.c_class[self.item_complaint]),
        )
        self.item_policy = np.where(
            self.item_seq == 1, self.c_policy[self.item_complaint], rng.integers(0, self.n_policies, m)
        )
        self._plant_late_complaints()
        self._plant_untold_decisions()
        self._complaint_departments()

    def reason_of_class(self, rng: np.random.Generator, cls: np.ndarray) -> np.ndarray:
        """A random reason (index into self.reason_codes) of each complaint's 003 class."""
        if not hasattr(self, "reason_codes"):
            reasons = seed_rows("complaint_reasons")
            by_class = [[r["reason_code"] for r in reasons if r["class_003"] == c] for c in COMPLAINT_CLASSES]
            self.reason_codes = [code for codes in by_class for code in codes]
            self.reason_offsets = np.cumsum([0] + [len(c) for c in by_class])
        sizes = np.diff(self.reason_offsets)
        return self.reason_offsets[cls] + (rng.random(len(cls)) * sizes[cls]).astype(np.int64)

    def _plant_late_complaints(self) -> None:
        """2026-03: the first complaints of the month are moved to the planted outlet; a stated
        number of them are closed long after their deadline, the others within hours."""
        a, b = self.month_bounds("2026-03")
        month = np.flatnonzero((self.c_t >= a) & (self.c_t < b))
        chosen = np.union1d(month[:12], month[self.c_org[month] == self.plant_leaf])
        self.c_org[chosen] = self.plant_leaf
        self.c_has_employee[chosen] = True
        late = chosen[: max(1, len(chosen) // 2 - 1)]
        self.c_planted_on_time = np.setdiff1d(chosen, late)
        self.c_planted_late = late
        self.planted["late_complaints"] = {
            "org_code": PLANT_ORG,
            "period_month": "2026-03",
            "received": len(chosen),
            "late": len(late),
            "on_time": len(chosen) - len(late),
        }

    def _plant_untold_decisions(self) -> None:
        """2026-04: the first complaints of the month are moved to the planted outlet and closed
        within hours, well within the company's deadline; a stated number of them were closed
        without a 'feedback' event (the decision never told to the complainant), so the
        regulator's deadline was missed: on time for the company, not handled on time."""
        a, b = self.month_bounds("2026-04")
        month = np.flatnonzero((self.c_t >= a) & (self.c_t < b))
        chosen = np.union1d(month[:8], month[self.c_org[month] == self.plant_leaf])
        self.c_org[chosen] = self.plant_leaf
        self.c_has_employee[chosen] = True
        self.c_planted_prompt = chosen
        self.c_planted_untold = chosen[:3]
        self.planted["untold_decisions"] = {
            "org_code": PLANT_ORG,
            "period_month": "2026-04",
            "received": len(chosen),
            "company_on_time": len(chosen),
            "handled_on_time": len(chosen) - 3,
        }

    def _complaint_departments(self) -> None:
        """The responsible department of each complaint by its class (DEPARTMENT_SHARES; a
        generator of its own, so the other columns stay as they were). Planted: of 2026-04's
        complaints at the planted outlet (_plant_untold_decisions), the three closed without
        telling the complainant the decision are customer service's, the others underwriting
        and claims'."""
        rng = self.rng("complaint_departments")
        self.c_department = np.empty(self.n_complaints, dtype=np.int8)
        for k, cls in enumerate(COMPLAINT_CLASSES):
            rows = self.c_class == k
            self.c_department[rows] = rng.choice(len(DEPARTMENTS), rows.sum(), p=DEPARTMENT_SHARES[cls])
        self.c_department[self.c_planted_prompt] = DEPARTMENTS.index("underwriting_claims")
        self.c_department[self.c_planted_untold] = DEPARTMENTS.index("customer_service")
        self.planted["department_complaints"] = {
            "org_code": PLANT_ORG,
            "period_month": "2026-04",
            "customer_service": {"received": len(self.c_planted_untold), "handled_on_time": 0},
            "underwriting_claims": {
                "received": len(self.c_planted_prompt) - len(self.c_planted_untold),
                "handled_on_time": len(self.c_planted_prompt) - len(self.c_planted_untold),
            },
        }

    def complaint_employee(self, i: np.ndarray) -> np.ndarray:
        return self.staff_at(self.c_org[i], self.c_slot[i], self.c_t[i])

    def complaints(self) -> Extract:
        customers = self.hash("complainants", np.arange(self.n_complaints))

        def render(i: np.ndarray) -> pa.Table:
            h = customers[self.c_customer[i]]
            cls = self.c_class[i]
            return pa.table(
                {
                    "complaint_id": _ids("TS", i + 1, 8),
                    "received_at": _timestamps(self.c_t[i]),
                    "channel": _pick(COMPLAINT_CHANNELS, self.c_channel[i]),
                    "complaint_class": _pick(COMPLAINT_CLASSES, cls),
                    "reason_code": _pick(self.reason_codes, self.c_reason[i]),
                    "policy_no": _mask(_ids("PL", self.c_policy[i] + 1, 10), self.c_has_policy[i]),
                    "product_line": _pick(PRODUCT_LINES, self.pol_line[self.c_policy[i]]),
                    "org_code": _pick(self.leaves, self.c_org[i]),
                    "employee_id": _mask(_ids("E", self.complaint_employee(i) + 1, 6), self.c_has_employee[i]),
                    "responsible_department": _mask(
                        _pick(DEPARTMENTS, self.c_department[i]),
                        self.c_department[i] != DEPARTMENTS.index("unassigned"),
                    ),
                    "customer_name": names(h),
                    "customer_id_no": id_numbers(h),
                    "customer_phone": phones(h),
                    "summary": _pick(SUMMARIES, self.c_summary[i]),
                    "original_complaint_id": _mask(
                        _ids("TS", np.maximum(self.c_original[i], 0) + 1, 8), self.c_original[i] >= 0
                    ),
                    "outcome": _mask(
                        _pick(["upheld", "partly_upheld", "not_upheld"], np.maximum(self.c_outcome[i], 0)),
                        self.c_outcome[i] >= 0,
                    ),
                    "compensation": _numbers(self.c_compensation[i], self.c_outcome[i] >= 0),
                    "archived_on": _mask(_dates(np.maximum(self.c_archived_at[i], 0)), self.c_archived_at[i] >= 0),
                }
            )

        return Extract("complaints", self.c_t, render)

    def complaint_items(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            c = self.item_complaint[i]
            line = self.pol_line[self.item_policy[i]]
            return pa.table(
                {
                    "complaint_id": _ids("TS", c + 1, 8),
                    "item_seq": _numbers(self.item_seq[i]),
                    "reason_code": _pick(self.reason_codes, self.item_reason[i]),
                    "product_code": _join(
                        _pick(LINE_LETTERS, line),
                        pc.cast(pa.array(100 + self.pol_product[self.item_policy[i]].astype(np.int64)), pa.string()),
                    ),
                    "product_line": _pick(PRODUCT_LINES, line),
                }
            )

        return Extract("complaint_items", self.c_t[self.item_complaint], render)

    def _complaint_events(self) -> None:
        rng = self.rng("complaint_events")
        n = self.n_complaints
        slowness = 1.6 - self.quality[self.c_org]
        gaps = rng.gamma(1.5, 1.0, (n, len(STAGES) - 1)) * STAGE_HOURS * slowness[:, None]
        # an extension (2020 regulator rule) is granted an hour after the report of a complex
        # complaint and delays what follows; a few are extended again with approval
        extended = rng.random(n) < 0.05
        approved = extended & (rng.random(n) < 0.2)
        gaps[:, 4] += np.where(extended, rng.uniform(8, 14, n) * 24, 0) + np.where(
            approved, rng.uniform(12, 20, n) * 24, 0
        )
        offsets = np.concatenate([np.zeros((n, 1)), np.cumsum(gaps, axis=1)], axis=1)
        times = self.c_t[:, None] + (offsets * HOUR).astype(np.int64)
        is_open = rng.random(n) < 0.02
        reopened = rng.random(n) < 0.04
        # planted: closed within hours, or 70 days after receipt (past any deadline)
        on_time, late, prompt = self.c_planted_on_time, self.c_planted_late, self.c_planted_prompt
        times[on_time] = self.c_t[on_time, None] + np.arange(len(STAGES)) * HOUR
        times[prompt] = self.c_t[prompt, None] + np.arange(len(STAGES)) * HOUR
        times[late] = self.c_t[late, None] + (np.linspace(0, 70, len(STAGES)) * DAY).astype(np.int64)
        for planted in (on_time, late, prompt):
            is_open[planted] = reopened[planted] = extended[planted] = approved[planted] = False
        # open complaints stop at a stage; so do those whose stages run past the period end
        done = np.where(is_open, rng.integers(1, len(STAGES), n), len(STAGES))
        done = np.maximum(1, np.minimum(done, (times < self.end).sum(axis=1)))
        reopen_at = times[:, -1] + rng.integers(1, 10, n) * DAY
        reclose_at = reopen_at + rng.integers(2, 15, n) * DAY
        reopened &= (done == len(STAGES)) & (reclose_at < self.end)
        ext_at = times[:, 4] + HOUR
        approved_at = ext_at + 7 * DAY
        extended &= done > 4
        approved &= extended & (approved_at < times[np.arange(n), done - 1])

        reached = np.arange(len(STAGES)) < done[:, None]
        reached[self.c_planted_untold, STAGES.index("feedback")] = False  # closed without telling the decision
        stage_rows = np.flatnonzero(reached.reshape(-1))
        parts = [(stage_rows // len(STAGES), stage_rows % len(STAGES), times.reshape(-1)[stage_rows])]
        for mask, kind, at in [
            (extended, 8, ext_at),
            (approved, 9, approved_at),
            (reopened, 10, reopen_at),
            (reopened, 11, reclose_at),
        ]:
            idx = np.flatnonzero(mask)
            parts.append((idx, np.full(len(idx), kind), at[idx]))
        complaint = np.concatenate([p[0] for p in parts])
        kind = np.concatenate([p[1] for p in parts])
        at = np.concatenate([p[2] for p in parts])
        order = np.lexsort((kind, at, complaint))
        self.ev_complaint, self.ev_kind, self.ev_t = complaint[order], kind[order], at[order]
        self.ev_seq = _seq_within(np.bincount(self.ev_complaint, minlength=n))
        # final closure: the last 'closed' not followed by a reopening (for callbacks)
        self.c_closed_at = np.where(reopened, reclose_at, np.where(done == len(STAGES), times[:, -1], -1))

    def _second_complaints(self) -> None:
        """二次投诉 (002 §6): half of the complaints whose complainant's previous complaint was
        closed within the 60 days before are registered as second complaints of it
        (original_complaint_id); the others are new matters, repeat complaints only."""
        rng = self.rng("second_complaints")
        order = np.lexsort((self.c_t, self.c_customer))
        same = self.c_customer[order][1:] == self.c_customer[order][:-1]
        later, earlier = order[1:][same], order[:-1][same]
        closed = self.c_closed_at[earlier]
        follows = (closed >= 0) & (closed < self.c_t[later]) & (self.c_t[later] - closed < 60 * DAY)
        chosen = follows & (rng.random(len(later)) < 0.5)
        self.c_original = np.full(self.n_complaints, -1)
        self.c_original[later[chosen]] = earlier[chosen]
        self._plant_second_complaints()

    def _plant_second_complaints(self) -> None:
        """2026-05: the first three complaints of the month move to the planted outlet as second
        complaints of three complaints closed in April (their complainants'), and no other
        complaint of the outlet that month is one."""
        april, may = self.month_bounds("2026-04"), self.month_bounds("2026-05")
        in_may = np.flatnonzero((self.c_t >= may[0]) & (self.c_t < may[1]))
        originals = np.flatnonzero((self.c_closed_at >= april[0]) & (self.c_closed_at < april[1]))
        k = min(3, len(originals), len(in_may))
        seconds, originals = in_may[:k], originals[:k]
        self.c_original[in_may[self.c_org[in_may] == self.plant_leaf]] = -1
        self.c_org[seconds] = self.plant_leaf
        self.c_customer[seconds] = self.c_customer[originals]
        self.c_original[seconds] = originals
        self.planted["second_complaints"] = {"org_code": PLANT_ORG, "period_month": "2026-05", "second": int(k)}

    def _complaint_outcomes(self) -> None:
        """处理结果 of each closed complaint (001 §7.1.2): upheld 30%, partly upheld 25%, not
        upheld 45%; compensation for an upheld one (lognormal, a few hundred to a few thousand
        CNY); the file archived 1–40 days after the closure (about one in ten past 30 days),
        none of it before the period's end."""
        rng = self.rng("complaint_outcomes")
        n = self.n_complaints
        closed = self.c_closed_at >= 0
        self.c_outcome = np.where(closed, rng.choice(3, n, p=[0.3, 0.25, 0.45]), -1).astype(np.int8)
        pays = closed & (self.c_outcome <= 1) & (rng.random(n) < 0.6)
        self.c_compensation = np.where(pays, np.round(rng.lognormal(7, 0.8, n), 2), 0.0)
        archived = self.c_closed_at + rng.gamma(2.5, 6, n).astype(np.int64) * DAY
        self.c_archived_at = np.where(closed & (archived < self.end), archived, -1)

    def complaint_events(self) -> Extract:
        kinds = STAGES + ["extended", "extension_approved", "reopened", "closed"]
        by_time = np.argsort(self.ev_t, kind="stable")
        self.ev_delivered_order = by_time

        def render(j: np.ndarray) -> pa.Table:
            i = by_time[j]
            c = self.ev_complaint[i]
            h = self.hash("event_operator", i)
            return pa.table(
                {
                    "complaint_id": _ids("TS", c + 1, 8),
                    "event_seq": _numbers(self.ev_seq[i]),
                    "event_type": _pick(kinds, self.ev_kind[i]),
                    "event_at": _timestamps(self.ev_t[i]),
                    "operator_id": _mask(_ids("E", self.complaint_employee(c) + 1, 6), _bits(h, 0, 100) < 95),
                }
            )

        return Extract("complaint_events", self.ev_t[by_time], render)

    # -- service -------------------------------------------------------------------------
    def _service_events(self) -> None:
        rng = self.rng("service_events")
        n = self.n_service
        self.s_t = self.times(rng, n)
        self.s_org = rng.choice(len(self.leaves), n, p=self.leaf_weights)
        self.s_slot = rng.integers(0, STAFF_PER_UNIT, n).astype(np.int8)
        self.s_channel = rng.choice(3, n, p=[0.3, 0.5, 0.2]).astype(np.int8)
        self.s_business = rng.choice(5, n, p=[0.4, 0.15, 0.2, 0.15, 0.1]).astype(np.int8)
        self.s_wait = np.where(self.s_channel == 2, 0, rng.gamma(2, 90, n)).astype(np.int32)
        # a hotline caller waits seconds, not minutes: ~70% are answered within 20 seconds, fewer
        # at weaker units (a stream of its own, so the other columns keep their values)
        night = self.rng("hotline_waits")
        queue = night.gamma(1.5, 12 * (1.6 - self.quality[self.s_org]))
        self.s_wait = np.where(self.s_channel == 1, queue, self.s_wait).astype(np.int32)
        # the 95519 line answers 24 hours: 15% of its calls come between midnight and 08:00 of
        # the same day (earlier than planned, so a survey or an inspection still follows the call;
        # the file the row is delivered in is the planned time's)
        early = (self.s_channel == 1) & (night.random(n) < 0.15)
        midnight = self.s_t - (self.s_t - self.start) % DAY
        self.s_occurred = np.where(early, midnight + night.integers(0, 8 * HOUR, n), self.s_t)
        self.s_handle = rng.gamma(3, 120, n).astype(np.int32)
        self.s_outcome = rng.choice(3, n, p=[0.9, 0.07, 0.03]).astype(np.int8)
        self.s_policy = rng.integers(0, self.n_policies, n)

    def service_employee(self, i: np.ndarray) -> np.ndarray:
        return self.staff_at(self.s_org[i], self.s_slot[i].astype(np.int64), self.s_t[i])

    def service_events(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            return pa.table(
                {
                    "event_id": _ids("SE", i + 1, 10),
                    "occurred_at": _timestamps(self.s_occurred[i]),
                    "channel": _pick(["counter", "hotline", "online"], self.s_channel[i]),
                    "business_type": _pick(
                        ["consult", "underwriting", "policy_change", "claim", "callback"], self.s_business[i]
                    ),
                    "org_code": _pick(self.leaves, self.s_org[i]),
                    "employee_id": _ids("E", self.service_employee(i) + 1, 6),
                    "policy_no": _ids("PL", self.s_policy[i] + 1, 10),
                    "wait_seconds": _numbers(self.s_wait[i]),
                    "handle_seconds": _numbers(self.s_handle[i]),
                    "outcome": _pick(["completed", "transferred", "abandoned"], self.s_outcome[i]),
                }
            )

        return Extract("service_events", self.s_t, render)

    def _ratings(self, rng, org: np.ndarray, is_complaint: np.ndarray, columns: int) -> tuple:
        """Overall answer (0 非常满意 … 4) and per-column ratings (0 优秀, 1 良好, 2 差): better
        units, and customers who did not complain, answer more favourably."""
        n = len(org)
        mood = self.quality[org] - 0.1 * is_complaint + rng.normal(0, 0.25, n)
        overall = np.digitize(-mood, [-0.85, -0.55, -0.35, -0.15]).astype(np.int8)
        ratings = np.digitize(-(mood[:, None] + rng.normal(0, 0.2, (n, columns))), [-0.6, -0.2]).astype(np.int8)
        return overall, ratings

    def _plant_ratings(
        self, t: np.ndarray, org: np.ndarray, ratings: np.ndarray, dimension_of_column: list, source: str
    ) -> None:
        """At the planted outlet (ratings 0 优秀 … 2 差; source: survey or inspection):
        - 2025-12 and 2026-01: attitude rated 差, everything else 优秀, so its score is
          100 × (1 − 0.8 × attitude weight) under the weights of each month;
        - 2026-02: the survey rates everything 优秀, the inspections rate attitude 差 and the
          rest 优秀, so attitude's rate is its sources' weighted mean (sq_source_weights), not
          their share of the points pooled by count."""
        for month in ("2025-12", "2026-01", "2026-02"):
            a, b = self.month_bounds(month)
            rows = np.flatnonzero((org == self.plant_leaf) & (t >= a) & (t < b))
            poor = month != "2026-02" or source == "inspection"
            for col, dimension in enumerate(dimension_of_column):
                ratings[rows, col] = 2 if dimension == "attitude" and poor else 0
        self.planted["weight_change"] = {
            "org_code": PLANT_ORG,
            "months": ["2025-12", "2026-01"],
            "attitude": "差",
            "other_dimensions": "优秀",
        }
        self.planted["source_weights"] = {
            "org_code": PLANT_ORG,
            "month": "2026-02",
            "dimension_code": "attitude",
            "survey": "优秀",
            "inspections": "差",
        }

    def _surveys(self) -> None:
        rng = self.rng("survey_responses")
        closed = np.flatnonzero(self.c_closed_at >= 0)
        called = closed[rng.random(len(closed)) < 0.9]
        nc = len(called)
        service = np.sort(rng.choice(self.n_service, self.n_service // 10, replace=False))
        t = np.concatenate(
            [
                self.c_closed_at[called] + rng.integers(HOUR, 72 * HOUR, nc),
                self.s_t[service] + rng.integers(600, 48 * HOUR, len(service)),
            ]
        )
        keep = t < self.end
        kind = np.repeat([1, 0], [nc, len(service)])[keep]  # 1 complaint_callback, 0 service_survey
        source = np.concatenate([called, service])[keep]
        t = t[keep]
        order = np.argsort(t, kind="stable")
        self.sv_t, self.sv_kind, self.sv_source = t[order], kind[order], source[order]
        is_c = self.sv_kind == 1
        self.sv_org = np.where(
            is_c, self.c_org[np.where(is_c, self.sv_source, 0)], self.s_org[np.where(is_c, 0, self.sv_source)]
        )
        self.sv_line = np.where(
            is_c,
            self.pol_line[self.c_policy[np.where(is_c, self.sv_source, 0)]],
            self.pol_line[self.s_policy[np.where(is_c, 0, self.sv_source)]],
        )
        n = len(self.sv_t)
        self.sv_contact = rng.choice(3, n, p=[0.85, 0.12, 0.03]).astype(np.int8)
        self.sv_overall, self.sv_ratings = self._ratings(rng, self.sv_org, is_c, len(SQ_DIMENSIONS))
        self.sv_answered = (self.sv_contact == 0) & (rng.random(n) < 0.97)
        self._plant_ratings(self.sv_t, self.sv_org, self.sv_ratings, SQ_DIMENSIONS, "survey")

    def survey_employee(self, i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        is_c = self.sv_kind[i] == 1
        source = self.sv_source[i]
        emp = np.where(
            is_c, self.complaint_employee(np.where(is_c, source, 0)), self.service_employee(np.where(is_c, 0, source))
        )
        has = np.where(is_c, self.c_has_employee[np.where(is_c, source, 0)], True)
        return emp, has

    def survey_responses(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            is_c = self.sv_kind[i] == 1
            emp, has_emp = self.survey_employee(i)
            reached = self.sv_contact[i] == 0
            answered = self.sv_answered[i]
            return pa.table(
                {
                    "response_id": _ids("SV", i + 1, 9),
                    "survey_type": _pick(["service_survey", "complaint_callback"], self.sv_kind[i]),
                    "complaint_id": _mask(_ids("TS", self.sv_source[i] + 1, 8), is_c),
                    "service_event_id": _mask(_ids("SE", self.sv_source[i] + 1, 10), ~is_c),
                    "org_code": _pick(self.leaves, self.sv_org[i]),
                    "employee_id": _mask(_ids("E", emp + 1, 6), has_emp),
                    "product_line": _pick(PRODUCT_LINES, self.sv_line[i]),
                    "surveyed_at": _timestamps(self.sv_t[i]),
                    "contact_result": _pick(["reached", "unreachable", "refused"], self.sv_contact[i]),
                    "overall": _mask(_pick(OVERALL, self.sv_overall[i]), reached),
                    **{d: _mask(_pick(RATINGS, self.sv_ratings[i, k]), answered) for k, d in enumerate(SQ_DIMENSIONS)},
                    "customer_phone": phones(self.hash("survey_phone", i)),
                }
            )

        return Extract("survey_responses", self.sv_t, render)

    # -- claims and callbacks --------------------------------------------------------------
    def _claims(self) -> None:
        rng = self.rng("claims")
        n = max(20, self.n_policies // 20)
        policy = rng.integers(0, self.n_policies, n)
        reported = self.pol_t[policy] + (rng.random(n) * (self.end - self.pol_t[policy])).astype(np.int64)
        reported = np.minimum(reported, self.end - HOUR)
        order = np.argsort(reported, kind="stable")
        self.cl_policy, self.cl_t = policy[order], reported[order]
        self.cl_org = self.pol_org[self.cl_policy].copy()
        self.cl_slot = rng.integers(0, STAFF_PER_UNIT, n)
        slowness = 1.6 - self.quality[self.cl_org]
        docs = self.cl_t + (rng.gamma(1.5, 2.0, n) * DAY).astype(np.int64)
        docs = np.where(rng.random(n) < 0.05, -1, docs)  # documents never completed
        self.cl_investigation = rng.random(n) < 0.2
        decide_days = np.where(self.cl_investigation, rng.gamma(3, 4, n), rng.gamma(1.2, 1.3, n) * slowness)
        decided = np.where(docs >= 0, docs + (decide_days * DAY).astype(np.int64), -1)
        self.cl_decision = rng.choice(4, n, p=[0.85, 0.07, 0.06, 0.02]).astype(np.int8)
        # planted: 2026-04 at the planted outlet, claims with complete documents and no
        # investigation: a stated number decided 10 days later, the others the same day
        a, b = self.month_bounds("2026-04")
        month = np.flatnonzero((docs >= a) & (docs < b))
        natural = month[(self.cl_org[month] == self.plant_leaf) & ~self.cl_investigation[month]]
        chosen = np.union1d(month[:8], natural)
        self.cl_org[chosen] = self.plant_leaf
        self.cl_investigation[chosen] = False
        late = chosen[: max(1, len(chosen) // 3)]
        decided[chosen] = docs[chosen] + HOUR
        decided[late] = docs[late] + 10 * DAY
        self.cl_decision[chosen] = 0
        self.planted["late_claims"] = {
            "org_code": PLANT_ORG,
            "period_month": "2026-04",
            "in_commitment": len(chosen),
            "decided_late": len(late),
        }
        self.cl_docs = np.where(docs < self.end, docs, -1)
        self.cl_decided = np.where((decided < self.end) & (self.cl_docs >= 0), decided, -1)
        paid = self.cl_decided + rng.integers(1, 4, n) * DAY
        self.cl_paid = np.where((self.cl_decided >= 0) & (self.cl_decision <= 1) & (paid < self.end), paid, -1)
        self.cl_amount = np.round(rng.lognormal(8.5, 1.2, n), 2)

    def claims(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            decided = self.cl_decided[i] >= 0
            paid = self.cl_paid[i] >= 0
            amount = self.cl_amount[i]
            return pa.table(
                {
                    "claim_id": _ids("CL", i + 1, 9),
                    "policy_no": _ids("PL", self.cl_policy[i] + 1, 10),
                    "org_code": _pick(self.leaves, self.cl_org[i]),
                    "employee_id": _ids("E", self.staff_at(self.cl_org[i], self.cl_slot[i], self.cl_t[i]) + 1, 6),
                    "product_line": _pick(PRODUCT_LINES, self.pol_line[self.cl_policy[i]]),
                    "reported_at": _timestamps(self.cl_t[i]),
                    "documents_complete_at": _timestamps(self.cl_docs[i]),
                    "investigation_required": _pick(["N", "Y"], self.cl_investigation[i].astype(np.int8)),
                    "decided_at": _timestamps(self.cl_decided[i]),
                    "decision": _mask(
                        _pick(["approved", "partial", "declined", "withdrawn"], self.cl_decision[i]), decided
                    ),
                    "paid_at": _timestamps(self.cl_paid[i]),
                    "claimed_amount": _numbers(amount),
                    "paid_amount": _numbers(
                        np.round(np.where(self.cl_decision[i] == 1, amount * 0.6, amount), 2), paid
                    ),
                }
            )

        return Extract("claims", self.cl_t, render)

    def _callbacks(self) -> None:
        """New long-term life policies are called back (and a share of long-term health
        policies, which the commitment does not cover); some only at a second attempt, a
        few late, a few never."""
        rng = self.rng("policy_callbacks")
        scope = np.flatnonzero(self.pol_long)
        planted = np.concatenate([self.callback_plan["prompt"], self.callback_plan["never"]])
        scope = np.setdiff1d(scope, planted)
        n = len(scope)
        fate = rng.choice(4, n, p=[0.81, 0.15, 0.03, 0.01])  # reached; second attempt; late; never
        first = self.pol_t[scope] + rng.integers(1, 10, n) * DAY + rng.integers(-2, 2, n) * HOUR
        first = np.where(fate == 2, self.pol_t[scope] + rng.integers(20, 40, n) * DAY, first)
        policy = [scope, scope[fate == 1], self.callback_plan["prompt"], self.callback_plan["never"][:1]]
        t = [
            first,
            first[fate == 1] + DAY,
            self.pol_t[self.callback_plan["prompt"]] + DAY,
            self.pol_t[self.callback_plan["never"][:1]] + DAY,
        ]
        result = [
            np.where((fate == 1) | (fate == 3), 1, 0),
            np.zeros((fate == 1).sum(), np.int64),
            np.zeros(len(self.callback_plan["prompt"]), np.int64),
            np.ones(min(1, len(self.callback_plan["never"])), np.int64),
        ]
        policy, t, result = (np.concatenate(x) for x in (policy, t, result))
        result = np.where((result == 1) & (rng.random(len(result)) < 0.2), 2 + rng.integers(0, 2, len(result)), result)
        keep = t < self.end
        order = np.argsort(t[keep], kind="stable")
        self.cb_policy, self.cb_t = policy[keep][order], t[keep][order]
        self.cb_result = result[keep][order].astype(np.int8)
        self.cb_slot = rng.integers(0, STAFF_PER_UNIT, len(self.cb_t))

    def policy_callbacks(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            org = self.pol_org[self.cb_policy[i]]
            return pa.table(
                {
                    "callback_id": _ids("HF", i + 1, 9),
                    "policy_no": _ids("PL", self.cb_policy[i] + 1, 10),
                    "org_code": _pick(self.leaves, org),
                    "employee_id": _ids("E", self.staff_at(org, self.cb_slot[i], self.cb_t[i]) + 1, 6),
                    "called_at": _timestamps(self.cb_t[i]),
                    "result": _pick(["reached", "unreachable", "refused", "wrong_number"], self.cb_result[i]),
                    "customer_phone": phones(self.hash("policies", self.cb_policy[i])),
                }
            )

        return Extract("policy_callbacks", self.cb_t, render)

    # -- quality inspections -----------------------------------------------------------------
    def _inspections(self) -> None:
        rng = self.rng("quality_inspections")
        items = [r for r in seed_rows("sq_items") if r["rated_in"] == "inspection"]
        self.item_codes = [r["item_code"] for r in items]
        # 1% of counter and hotline transactions are inspected; every outlet gets a mystery
        # shopper once a month
        voiced = np.flatnonzero(self.s_channel <= 1)
        sampled = np.sort(rng.choice(voiced, max(1, len(voiced) // 100), replace=False))
        months = np.arange(PERIOD_MONTHS)
        month_start = (np.datetime64(PERIOD_START, "M") + months).astype("datetime64[s]").astype(np.int64)
        visit_org = np.repeat(self.outlets, PERIOD_MONTHS)
        visit_t = (
            np.tile(month_start, len(self.outlets))
            + rng.integers(0, 27, len(visit_org)) * DAY
            + rng.integers(9 * HOUR, 17 * HOUR, len(visit_org))
        )
        t = np.concatenate([self.s_t[sampled], visit_t])
        order = np.argsort(t, kind="stable")
        self.qi_t = t[order]
        self.qi_service = np.concatenate([sampled, np.full(len(visit_org), -1)])[order]
        has = self.qi_service >= 0
        src = np.maximum(self.qi_service, 0)
        self.qi_type = np.where(has, np.where(self.s_channel[src] == 0, 1, 0), 2).astype(np.int8)
        self.qi_org = np.where(has, self.s_org[src], np.concatenate([sampled * 0, visit_org])[order])
        self.qi_slot = np.where(has, self.s_slot[src], rng.integers(0, STAFF_PER_UNIT, len(self.qi_t)))
        self.qi_line = np.where(has, self.pol_line[self.s_policy[src]], -1)
        self.qi_hits = rng.poisson(0.15 * (1.6 - self.quality[self.qi_org]))
        self.qi_inspector = rng.integers(0, len(self.slot_emp), len(self.qi_t))
        _, self.qi_ratings = self._ratings(rng, self.qi_org, np.zeros(len(self.qi_t)), len(self.item_codes))
        self._plant_ratings(self.qi_t, self.qi_org, self.qi_ratings, [r["dimension_code"] for r in items], "inspection")

    def quality_inspections(self) -> Extract:
        def render(i: np.ndarray) -> pa.Table:
            has = self.qi_service[i] >= 0
            return pa.table(
                {
                    "inspection_id": _ids("QI", i + 1, 8),
                    "inspection_type": _pick(["call", "counter", "mystery_shopper"], self.qi_type[i]),
                    "service_event_id": _mask(_ids("SE", np.maximum(self.qi_service[i], 0) + 1, 10), has),
                    "org_code": _pick(self.leaves, self.qi_org[i]),
                    "employee_id": _ids(
                        "E", self.staff_at(self.qi_org[i], self.qi_slot[i].astype(np.int64), self.qi_t[i]) + 1, 6
                    ),
                    "inspector_id": _ids("E", self.qi_inspector[i] + 1, 6),
                    "product_line": _pick(PRODUCT_LINES, self.qi_line[i]),
                    "inspected_at": _timestamps(self.qi_t[i]),
                    "forbidden_phrase_hits": _numbers(self.qi_hits[i]),
                }
            )

        return Extract("quality_inspections", self.qi_t, render)

    def inspection_items(self) -> Extract:
        k = len(self.item_codes)

        def render(j: np.ndarray) -> pa.Table:
            i, item = j // k, j % k
            return pa.table(
                {
                    "inspection_id": _ids("QI", i + 1, 8),
                    "item_code": _pick(self.item_codes, item),
                    "rating": _pick(RATINGS, self.qi_ratings[i, item]),
                }
            )

        return Extract("inspection_items", np.repeat(self.qi_t, k), render)

    # -- the book: policies in force and premium income ---------------------------------------
    def policy_book(self) -> Extract:
        """Each unit's book per month-end and line, sized so that the company's complaints fall
        near the medians of life insurers in the regulator's bulletin on 2021 Q1 (银保监消保发
        〔2021〕9号): 0.26 complaints a quarter per 10,000 policies in force, 0.09 per 10,000
        persons insured, 1.43 per 100 million CNY of premium income. (Its complaints per new
        policy stay far above a real company's: a plausible one would need ~50 times the policy
        rows.) The book grows 0.3% a month; premium income peaks in January to March (开门红)."""
        rng = self.rng("policy_book")
        per_quarter = self.n_complaints / (PERIOD_MONTHS / 3)
        months = np.datetime64(PERIOD_START, "M") + np.arange(PERIOD_MONTHS)
        month, leaf, line = (
            a.ravel()
            for a in np.meshgrid(
                np.arange(PERIOD_MONTHS), np.arange(len(self.leaves)), np.arange(LIFE_LINES), indexing="ij"
            )
        )
        season = np.array([2.2, 1.4, 1.3, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9])
        month_of_year = (months.astype(int) % 12)[month]
        size = self.leaf_weights[leaf] * (1 + 0.003 * month) * rng.lognormal(0, 0.05, len(month))
        # the company's book at the medians: in force, insured, and a month's premium income
        in_force, insured_total, month_premium = (
            per_quarter / 0.26 * 1e4,
            per_quarter / 0.09 * 1e4,
            per_quarter / 1.43 * 1e8 / 3,
        )
        policies = np.round(in_force * np.array([0.45, 0.40, 0.15])[line] * size)
        insured = np.round(policies * (insured_total / in_force) * rng.lognormal(0, 0.05, len(month)))
        premium_mix = np.array([0.75, 0.20, 0.05])[line]
        premium = np.round(month_premium * premium_mix * size * season[month_of_year] / season.mean(), 2)
        as_of = ((months + 1).astype("datetime64[D]") - 1).astype("datetime64[s]").astype(np.int64)[month]

        def render(i: np.ndarray) -> pa.Table:
            return pa.table(
                {
                    "org_code": _pick(self.leaves, leaf[i]),
                    "as_of": _dates(as_of[i]),
                    "product_line": _pick(PRODUCT_LINES, line[i]),
                    "policies_in_force": _numbers(policies[i].astype(np.int64)),
                    "insured_in_force": _numbers(insured[i].astype(np.int64)),
                    "premium_income": _numbers(premium[i]),
                }
            )

        # the finance system closes a month in the evening of its last day
        return Extract("policy_book", as_of + 20 * HOUR, render)

    # -- all of it -------------------------------------------------------------------------
    def extracts(self) -> list[Extract]:
        small = [("org_units", pa.Table.from_pylist(self.org_rows)), ("employees", self.employee_table())]
        return [
            *(
                Extract(
                    name,
                    np.zeros(table.num_rows, np.int64),
                    lambda i, table=table: table.take(pa.array(i)),
                    monthly=False,
                    encoding="gbk",
                )
                for name, table in small
            ),
            self.policies(),
            self.policy_book(),
            self.complaints(),
            self.complaint_items(),
            self.complaint_events(),
            self.service_events(),
            self.survey_responses(),
            self.claims(),
            self.policy_callbacks(),
            self.quality_inspections(),
            self.inspection_items(),
        ]


def _seq_within(counts: np.ndarray) -> np.ndarray:
    """1, 2, … within consecutive groups of the given sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(counts.sum()) - starts + 1
