"""Synthetic operational extracts, as an insurer's systems would export them.

Everything is vectorised (numpy for draws, pyarrow for string building and CSV writing):
no Python loop runs per row, so tens of millions of rows take minutes. The same seed
gives byte-identical files. Org units and employees come from a legacy HR system and are
GBK-encoded; the other extracts are UTF-8. Large extracts are split into monthly files,
as daily/monthly extracts arrive in practice.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

PERIOD_START = dt.date(2024, 11, 1)
PERIOD_MONTHS = 24  # two years of history, ending 2026-10-31 (inside the 2026 calendar)
LAST_DAY = dt.date(2026, 10, 31)
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
OUTLET_TYPES = ["旗舰服务中心", "标准服务中心", "服务厅", "定损中心", "服务站"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐梅莫庄辛管祝左涂谷")
GIVEN_CHARS = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文斌宇浩凯健俊帆帅旭宁龙林欣晨阳雪梅琳晶瑶婷雯倩颖慧佳怡思嘉")
PRODUCT_LINES = np.array(["寿险", "健康险", "意外险", "财险", "车险"])
SALES_CHANNELS = np.array(["个险", "银保", "团险", "网销", "电销"])
COMPLAINT_CHANNELS = np.array(["hotline", "online", "letter", "visit", "email", "regulator"])
COMPLAINT_CLASSES = np.array(["product", "service", "staff_violation"])
STAGES = ["received", "contacted", "assigned", "investigating", "reported", "plan_approved", "feedback", "closed"]
OVERALL = np.array(["非常满意", "满意", "一般", "不满意", "非常不满意"])
RATINGS = np.array(["优秀", "良好", "差"])
SQ_DIMENSIONS = ["attitude", "timeliness", "professionalism", "convenience", "satisfaction"]


@dataclass(frozen=True)
class Sizes:
    provinces: int
    cities_per_province: int
    policies: int
    complaints: int
    service_events: int

    @classmethod
    def for_scale(cls, scale: float) -> "Sizes":
        if scale <= 0:
            raise ValueError("scale must be positive")
        small = scale < 0.5
        return cls(
            provinces=max(2, min(len(PROVINCES), int(np.ceil(6 * scale)))),
            cities_per_province=2 if small else 4,
            policies=max(200, int(200_000 * scale)),
            complaints=max(50, int(10_000 * scale)),
            service_events=max(500, int(500_000 * scale)),
        )


def _s(values) -> pa.Array:
    return pa.array(values, type=pa.string())


def _pick(categories, index) -> pa.Array:
    """categories[index] as Arrow strings: a C-level take, far faster than numpy strings."""
    return pa.array(list(categories), pa.string()).take(pa.array(index))


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _timestamps(seconds: np.ndarray) -> pa.Array:
    # Arrow's cast to string writes 'YYYY-MM-DD HH:MM:SS' ~30x faster than strftime
    return pc.cast(pa.array(seconds.astype("datetime64[s]")), pa.string())


def _dates(seconds: np.ndarray, separator: str = "-") -> pa.Array:
    text = pc.cast(pa.array(seconds.astype("datetime64[s]").astype("datetime64[D]")), pa.string())
    return text if separator == "-" else pc.replace_substring(text, "-", separator)


def _mask(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    """Null out values where keep is False (an empty field in the CSV)."""
    return pc.if_else(pa.array(keep), arr, pa.scalar(None, arr.type))


class Generator:
    def __init__(self, scale: float, seed: int):
        self.sizes = Sizes.for_scale(scale)
        self.seed = seed
        self.start = np.datetime64(PERIOD_START, "s").astype(np.int64)
        end = np.datetime64(PERIOD_START, "M") + PERIOD_MONTHS
        self.end = np.datetime64(end, "s").astype(np.int64)

    def rng(self, name: str) -> np.random.Generator:
        # One independent stream per extract: adding an extract changes no other file.
        key = int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "little")
        return np.random.default_rng([self.seed, key])

    # -- people -------------------------------------------------------------
    def names(self, rng: np.random.Generator, n: int) -> pa.Array:
        surname = _pick(SURNAMES, rng.integers(0, len(SURNAMES), n))
        given1 = _pick(GIVEN_CHARS, rng.integers(0, len(GIVEN_CHARS), n))
        given2 = _pick(GIVEN_CHARS + [""] * 20, rng.integers(0, len(GIVEN_CHARS) + 20, n))
        return _join(surname, given1, given2)

    def id_numbers(self, rng: np.random.Generator, n: int) -> pa.Array:
        """18-digit 身份证号 with a valid GB 11643 check digit."""
        region = rng.integers(110000, 659000, n)
        birth = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, n).astype("timedelta64[D]")
        ymd = birth.astype("datetime64[D]").astype(str)
        seq = rng.integers(0, 1000, n)
        body = np.char.add(np.char.add(region.astype(str), np.char.replace(ymd, "-", "")),
                           np.char.zfill(seq.astype(str), 3))
        digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
        weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
        check = np.array(list("10X98765432"))[(digits * weights).sum(axis=1) % 11]
        return _s(np.char.add(body, check))

    def phones(self, rng: np.random.Generator, n: int) -> pa.Array:
        number = rng.integers(3, 10, n) * 10**9 + rng.integers(0, 10**9, n)
        return _join("1", pc.cast(pa.array(number), pa.string()))

    # -- extracts -----------------------------------------------------------
    def org_units(self) -> pa.Table:
        rng = self.rng("org_units")
        rows = [("HQ", f"{COMPANY}总公司", None, 1, "总公司", None)]
        for p, (province, cities) in enumerate(PROVINCES[: self.sizes.provinces], 1):
            pcode = f"P{p:02d}"
            rows.append((pcode, f"{COMPANY}{province}分公司", "HQ", 2, "省级分公司", province))
            for c, city in enumerate(cities[: self.sizes.cities_per_province], 1):
                ccode = f"{pcode}C{c:02d}"
                rows.append((ccode, f"{COMPANY}{city}中心支公司", pcode, 3, "中心支公司", province))
                for d, district in enumerate(DISTRICTS, 1):
                    xcode = f"{ccode}X{d}"
                    rows.append((xcode, f"{COMPANY}{city}{district}支公司", ccode, 4, "支公司", province))
                    outlet = OUTLET_TYPES[rng.integers(0, len(OUTLET_TYPES))]
                    rows.append((f"{xcode}W1", f"{city}{district}{outlet}", xcode, 5, outlet, province))
        cols = list(zip(*rows))
        n = len(rows)
        return pa.table({
            "org_code": _s(cols[0]), "org_name": _s(cols[1]), "parent_code": _s(cols[2]),
            "org_level": pa.array(cols[3], pa.int64()), "org_type": _s(cols[4]), "province": _s(cols[5]),
            "effective_from": _s(["2015-01-01"] * n), "effective_to": _s([None] * n),
        })

    def leaf_orgs(self, orgs: pa.Table) -> np.ndarray:
        levels = orgs["org_level"].to_numpy()
        return orgs["org_code"].to_numpy(zero_copy_only=False)[levels >= 4]

    def employees(self, orgs: pa.Table) -> pa.Table:
        rng = self.rng("employees")
        leaves = self.leaf_orgs(orgs)
        per_unit = 12
        n = len(leaves) * per_unit
        org = np.repeat(leaves, per_unit)
        positions = np.array(["坐席", "柜员", "理赔专员", "销售", "质检员", "投诉专员"])
        hire = self.start - rng.integers(30, 3650, n) * 86400
        leaves_mask = rng.random(n) < 0.08
        leave = self.start + rng.integers(30, PERIOD_MONTHS * 30, n) * 86400
        return pa.table({
            "employee_id": _ids("E", n, 6),
            "employee_name": self.names(rng, n),
            "org_code": _s(org),
            "team_code": _join(_s(org), "-T", _s((np.arange(n) % 3 + 1).astype(str))),
            "position": _s(positions[np.arange(n) % len(positions)]),
            "hire_date": _dates(hire),
            "leave_date": _mask(_dates(leave), leaves_mask),
        })

    def _org_weights(self, rng: np.random.Generator, leaves: np.ndarray) -> np.ndarray:
        w = rng.lognormal(0, 0.5, len(leaves))
        return w / w.sum()

    def _times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Seconds in the period, on days spread evenly, at office hours 08:00-20:00."""
        days = rng.integers(0, (self.end - self.start) // 86400, n)
        return np.sort(self.start + days * 86400 + rng.integers(8 * 3600, 20 * 3600, n))

    def policies(self, orgs: pa.Table) -> pa.Table:
        rng = self.rng("policies")
        n = self.sizes.policies
        leaves = self.leaf_orgs(orgs)
        line = rng.choice(len(PRODUCT_LINES), n, p=[0.35, 0.25, 0.1, 0.15, 0.15])
        premium = np.round(rng.lognormal(8, 1.0, n) * np.array([3, 1, 0.3, 2, 1])[line], 2)
        insured = np.where(rng.random(n) < 0.05, rng.integers(2, 200, n), 1)
        long_term = (PRODUCT_LINES[line] == "寿险") & (rng.random(n) < 0.8)
        return pa.table({
            "policy_no": _ids("PL", n, 10),
            "org_code": _s(leaves[rng.choice(len(leaves), n, p=self._org_weights(self.rng("orgw"), leaves))]),
            "product_code": _join(_pick(["L", "H", "A", "P", "V"], line),
                                  _pick([str(i) for i in range(100, 110)], rng.integers(0, 10, n))),
            "product_line": _pick(PRODUCT_LINES, line),
            "sales_channel": _pick(SALES_CHANNELS, rng.integers(0, len(SALES_CHANNELS), n)),
            # the policy system exports dates as yyyy/mm/dd
            "underwritten_on": _dates(self._times(rng, n), "/"),
            "premium": pa.array(premium),
            "insured_persons": pa.array(insured),
            "is_long_term": _pick(["N", "Y"], long_term.astype(np.int8)),
            "customer_name": self.names(rng, n),
            "customer_id_no": self.id_numbers(rng, n),
            "customer_phone": self.phones(rng, n),
        })

    def complaints(self, orgs: pa.Table, employees: pa.Table, policies: pa.Table) -> tuple[pa.Table, pa.Table]:
        rng = self.rng("complaints")
        n = self.sizes.complaints
        emp_ids = employees["employee_id"].to_numpy(zero_copy_only=False)
        emp_org = employees["org_code"].to_numpy(zero_copy_only=False)
        leaves = self.leaf_orgs(orgs)
        org_idx = rng.choice(len(leaves), n, p=self._org_weights(self.rng("orgw"), leaves))
        org = leaves[org_idx]
        # an employee of the responsible unit (12 per unit, in unit order)
        emp = emp_ids[np.searchsorted(emp_org, org) + rng.integers(0, 12, n)]
        received = self._times(rng, n)
        cls = rng.choice(3, n, p=[0.35, 0.5, 0.15])
        pol_idx = rng.integers(0, policies.num_rows, n)
        # how well each unit handles complaints: drives lateness and satisfaction
        quality = self.rng("quality").beta(5, 2, len(leaves))[org_idx]
        complaints = pa.table({
            "complaint_id": _ids("TS", n, 8),
            "received_at": _timestamps(received),
            "channel": _s(COMPLAINT_CHANNELS[rng.choice(6, n, p=[0.45, 0.25, 0.05, 0.1, 0.05, 0.1])]),
            "complaint_class": _pick(COMPLAINT_CLASSES, cls),
            "reason_code": _join(_s(np.array(["P", "S", "V"])[cls]), _s(rng.integers(10, 20, n).astype(str))),
            "policy_no": _mask(policies["policy_no"].take(pa.array(pol_idx)).combine_chunks(), rng.random(n) < 0.9),
            "product_line": policies["product_line"].take(pa.array(pol_idx)).combine_chunks(),
            "org_code": _s(org),
            "employee_id": _mask(_s(emp), rng.random(n) < 0.85),
            "customer_name": self.names(rng, n),
            "customer_id_no": self.id_numbers(rng, n),
            "customer_phone": self.phones(rng, n),
            "summary": _s(np.array(["客户对条款理解有异议", "理赔等待时间过长", "热线等待时间过长",
                                    "销售人员夸大收益", "服务态度不佳", "保全办理流程繁琐"])[rng.integers(0, 6, n)]),
        })
        return complaints, self.complaint_events(rng, complaints, received, quality, emp)

    def complaint_events(self, rng, complaints: pa.Table, received: np.ndarray,
                         quality: np.ndarray, emp: np.ndarray) -> pa.Table:
        n = len(received)
        # hours spent in each stage after the previous one; poorer units are slower
        slowness = 1.6 - quality
        gaps = rng.gamma(1.5, 1.0, (n, len(STAGES) - 1)) * np.array([10, 12, 20, 60, 24, 20, 12]) * slowness[:, None]
        offsets = np.concatenate([np.zeros((n, 1)), np.cumsum(gaps, axis=1)], axis=1)
        times = received[:, None] + (offsets * 3600).astype(np.int64)
        # open complaints stop at a stage; those whose stages run past the period end are open
        is_open = (rng.random(n) < 0.02) | (times[:, -1] > self.end)
        stages_done = np.where(is_open, rng.integers(1, len(STAGES), n), len(STAGES))
        stages_done = np.where(times[:, -1] > self.end, np.minimum(stages_done, (times <= self.end).sum(axis=1)), stages_done)
        stages_done = np.maximum(stages_done, 1)
        # a few closed complaints are reopened (二次投诉) and closed again later
        reopened = (~is_open) & (rng.random(n) < 0.04)
        reopen_at = times[:, -1] + rng.integers(1, 10, n) * 86400
        reclose_at = reopen_at + rng.integers(2, 15, n) * 86400
        reopened &= reclose_at <= self.end

        seq = np.tile(np.arange(1, len(STAGES) + 1), n)
        keep = (seq <= np.repeat(stages_done, len(STAGES)))
        base = pa.table({
            "complaint_id": pc.take(complaints["complaint_id"], pa.array(np.repeat(np.arange(n), len(STAGES)))),
            "event_seq": pa.array(seq),
            "event_type": _s(np.tile(np.array(STAGES), n)),
            "t": pa.array(times.reshape(-1)),
        }).filter(pa.array(keep))
        idx = np.flatnonzero(reopened)
        extra = pa.table({
            "complaint_id": pc.take(complaints["complaint_id"], pa.array(np.repeat(idx, 2))),
            "event_seq": pa.array(np.tile([len(STAGES) + 1, len(STAGES) + 2], len(idx))),
            "event_type": _s(np.tile(["reopened", "closed"], len(idx))),
            "t": pa.array(np.column_stack([reopen_at[idx], reclose_at[idx]]).reshape(-1)),
        })
        events = pa.concat_tables([base, extra]).sort_by([("complaint_id", "ascending"), ("event_seq", "ascending")])
        m = events.num_rows
        operator = emp[np.searchsorted(complaints["complaint_id"].to_numpy(zero_copy_only=False),
                                       events["complaint_id"].to_numpy(zero_copy_only=False))]
        return pa.table({
            "complaint_id": events["complaint_id"],
            "event_seq": events["event_seq"],
            "event_type": events["event_type"],
            "event_at": _timestamps(events["t"].to_numpy()),
            "operator_id": _mask(_s(operator), rng.random(m) < 0.95),
        })

    def service_events(self, employees: pa.Table) -> pa.Table:
        rng = self.rng("service_events")
        n = self.sizes.service_events
        emp_idx = rng.integers(0, employees.num_rows, n)
        channel = rng.choice(3, n, p=[0.3, 0.5, 0.2])
        wait = np.where(channel == 2, 0, rng.gamma(2, 90, n)).astype(np.int64)
        return pa.table({
            "event_id": _ids("SE", n, 10),
            "occurred_at": _timestamps(self._times(rng, n)),
            "channel": _pick(["counter", "hotline", "online"], channel),
            "business_type": _pick(["consult", "underwriting", "policy_change", "claim", "callback"],
                                    rng.choice(5, n, p=[0.4, 0.15, 0.2, 0.15, 0.1])),
            "org_code": employees["org_code"].take(pa.array(emp_idx)).combine_chunks(),
            "employee_id": employees["employee_id"].take(pa.array(emp_idx)).combine_chunks(),
            "policy_no": _join("PL", pc.utf8_lpad(pc.cast(pa.array(
                rng.integers(1, self.sizes.policies + 1, n)), pa.string()), 10, "0")),
            "wait_seconds": pa.array(wait),
            "handle_seconds": pa.array(rng.gamma(3, 120, n).astype(np.int64)),
            "outcome": _pick(["completed", "transferred", "abandoned"], rng.choice(3, n, p=[0.9, 0.07, 0.03])),
        })

    def survey_responses(self, complaints: pa.Table, events: pa.Table, service: pa.Table,
                         orgs: pa.Table) -> pa.Table:
        rng = self.rng("survey_responses")
        # complainants are called back after their (final) closure
        closed = events.filter(pc.equal(events["event_type"], "closed"))
        last_close = closed.group_by("complaint_id").aggregate([("event_at", "max")])
        nc = last_close.num_rows
        pick_c = rng.random(nc) < 0.9
        last_close = last_close.filter(pa.array(pick_c))
        nc = last_close.num_rows
        cidx = pc.index_in(last_close["complaint_id"], complaints["complaint_id"])
        close_s = pc.strptime(last_close["event_at_max"], format="%Y-%m-%d %H:%M:%S", unit="s")
        call_s = close_s.to_numpy().astype(np.int64) + rng.integers(3600, 72 * 3600, nc)
        # surveys of ~10% of served customers
        ns = service.num_rows // 10
        sidx = np.sort(rng.choice(service.num_rows, ns, replace=False))
        occurred = pc.strptime(service["occurred_at"].take(pa.array(sidx)), format="%Y-%m-%d %H:%M:%S", unit="s")
        survey_s = occurred.to_numpy().astype(np.int64) + rng.integers(600, 48 * 3600, ns)
        n = nc + ns
        seconds = np.concatenate([call_s, survey_s])
        in_period = seconds < self.end
        leaves = self.leaf_orgs(orgs)
        org = np.concatenate([complaints["org_code"].take(cidx).to_numpy(zero_copy_only=False),
                              service["org_code"].take(pa.array(sidx)).to_numpy(zero_copy_only=False)])
        quality = self.rng("quality").beta(5, 2, len(leaves))[np.searchsorted(leaves, org)]
        is_complaint = np.arange(n) < nc
        contact = rng.choice(3, n, p=[0.85, 0.12, 0.03])
        reached = contact == 0
        # better units and non-complainants answer more favourably
        mood = quality - 0.1 * is_complaint + rng.normal(0, 0.25, n)
        overall = np.digitize(-mood, [-0.85, -0.55, -0.35, -0.15])
        ratings = {d: np.digitize(-(mood + rng.normal(0, 0.2, n)), [-0.6, -0.2]) for d in SQ_DIMENSIONS}
        answered = reached & (rng.random(n) < 0.97)
        table = pa.table({
            "response_id": _ids("SV", n, 9),
            "survey_type": _pick(["service_survey", "complaint_callback"], is_complaint.astype(np.int8)),
            "complaint_id": pa.concat_arrays([last_close["complaint_id"].combine_chunks(), pa.nulls(ns, pa.string())]),
            "service_event_id": pa.concat_arrays([pa.nulls(nc, pa.string()),
                                                  service["event_id"].take(pa.array(sidx)).combine_chunks()]),
            "org_code": _s(org),
            "employee_id": pa.concat_arrays([complaints["employee_id"].take(cidx).combine_chunks(),
                                             service["employee_id"].take(pa.array(sidx)).combine_chunks()]),
            "surveyed_at": _timestamps(seconds),
            "contact_result": _pick(["reached", "unreachable", "refused"], contact),
            "overall": _mask(_pick(OVERALL, overall), reached),
            **{d: _mask(_pick(RATINGS, r), answered) for d, r in ratings.items()},
            "customer_phone": self.phones(rng, n),
        })
        return table.filter(pa.array(in_period)).sort_by("surveyed_at")


def corrections(name: str, table: pa.Table, rng: np.random.Generator) -> pa.Table | None:
    """A few historical rows re-delivered with corrections, as a daily extract carries them:
    a service event moved to another month, a reclassified complaint, a corrected closing
    time, a changed survey answer, a corrected premium. The latest load must win."""
    if name not in MONTH_COLUMN or table.num_rows == 0:
        return None
    # corrections concern recent records: those of the last two months before the day
    day = pc.utf8_slice_codeunits(pc.replace_substring(table[MONTH_COLUMN[name]], "/", "-"), 0, 10)
    recent = np.flatnonzero(pc.greater_equal(day, (LAST_DAY - dt.timedelta(days=61)).isoformat())
                            .to_numpy(zero_copy_only=False))
    if len(recent) == 0:
        return None
    pick = pa.array(np.sort(rng.choice(recent, min(len(recent), max(3, len(recent) // 2000)), replace=False)))
    rows = table.take(pick)

    def replace(column: str, values) -> pa.Table:
        return rows.set_column(rows.schema.get_field_index(column), column, values)

    def seconds(column: str) -> np.ndarray:
        return pc.strptime(rows[column], format="%Y-%m-%d %H:%M:%S", unit="s").to_numpy().astype(np.int64)

    match name:
        case "service_events":
            rows = replace("occurred_at", _timestamps(seconds("occurred_at") - 40 * 86400))
            return replace("outcome", _s(["transferred"] * rows.num_rows))
        case "complaints":
            classes = rows["complaint_class"].to_numpy(zero_copy_only=False)
            return replace("complaint_class", _s(COMPLAINT_CLASSES[(np.searchsorted(
                np.sort(COMPLAINT_CLASSES), classes) + 1) % 3]))
        case "complaint_events":
            return replace("event_at", _timestamps(seconds("event_at") + 86400))
        case "survey_responses":
            return replace("overall", _mask(_s(np.tile(OVERALL, rows.num_rows)[: rows.num_rows]),
                                            pc.is_valid(rows["overall"]).to_numpy(zero_copy_only=False)))
        case "policies":
            return replace("premium", pc.multiply(rows["premium"], 2))


GBK_EXTRACTS = {"org_units", "employees"}
MONTHLY_EXTRACTS = {"policies", "complaints", "complaint_events", "service_events", "survey_responses"}
MONTH_COLUMN = {"policies": "underwritten_on", "complaints": "received_at", "complaint_events": "event_at",
                "service_events": "occurred_at", "survey_responses": "surveyed_at"}


def write_csv(table: pa.Table, path: Path, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    if encoding == "utf-8":
        pacsv.write_csv(table, tmp)
    else:
        # pyarrow writes UTF-8 only; the GBK extracts are small, so transcode in memory.
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink)
        tmp.write_bytes(sink.getvalue().to_pybytes().decode("utf-8").encode(encoding))
    tmp.replace(path)


def write_extract(name: str, table: pa.Table, out: Path, last_day: dt.date,
                  rng: np.random.Generator) -> list[Path]:
    """Small extracts as one file; large ones as monthly files, except the period's last day,
    which is its own daily file (<name>_<yyyymmdd>.csv), as a daily extract would arrive."""
    folder = out / name
    if name in GBK_EXTRACTS:
        path = folder / f"{name}.csv"
        write_csv(table, path, "gbk")
        return [path]
    day = pc.utf8_slice_codeunits(pc.replace_substring(table[MONTH_COLUMN[name]], "/", "-"), 0, 10)
    is_last_day = pc.equal(day, last_day.isoformat())
    paths = []
    history = table.filter(pc.invert(is_last_day))
    month = pc.utf8_slice_codeunits(pc.replace_substring(history[MONTH_COLUMN[name]], "/", "-"), 0, 7)
    for value in pc.unique(month).to_pylist():
        paths.append(folder / f"{name}_{value.replace('-', '')}.csv")
        write_csv(history.filter(pc.equal(month, value)), paths[-1])
    paths.append(folder / f"{name}_{last_day:%Y%m%d}.csv")
    daily = table.filter(is_last_day)
    fixes = corrections(name, history, rng)
    write_csv(daily if fixes is None else pa.concat_tables([daily, fixes]), paths[-1])
    return paths


def daily_files(landing: Path) -> list[Path]:
    """The last day's files of the generated period (see write_extract)."""
    return sorted(landing.glob(f"*/*_{LAST_DAY:%Y%m%d}.csv"))


@contextmanager
def daily_files_held_back(landing: Path):
    """Within the block, the last day's files are out of the landing folder: build the
    history first, then the day on top of it (a daily incremental run)."""
    held = landing.parent / "held_back"
    moved = []
    for path in daily_files(landing):
        target = held / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        moved.append((target, path))
    try:
        yield [original for _, original in moved]
    finally:
        for target, original in moved:
            target.replace(original)


def generate(scale: float, seed: int, out: Path) -> dict[str, int]:
    """Write all extracts under ``out/<extract>/``; returns rows per extract."""
    gen = Generator(scale, seed)
    orgs = gen.org_units()
    employees = gen.employees(orgs)
    policies = gen.policies(orgs)
    complaints, events = gen.complaints(orgs, employees, policies)
    service = gen.service_events(employees)
    surveys = gen.survey_responses(complaints, events, service, orgs)
    extracts = {"org_units": orgs, "employees": employees, "policies": policies, "complaints": complaints,
                "complaint_events": events, "service_events": service, "survey_responses": surveys}
    for name, table in extracts.items():
        write_extract(name, table, out, LAST_DAY, gen.rng(f"corrections-{name}"))
    return {name: table.num_rows for name, table in extracts.items()}
