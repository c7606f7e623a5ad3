"""Names for people, companies, regions and teams: mostly Chinese, some English.

The pools are small and fixed; names are assembled column-wise with pyarrow, so
200,000 customer names cost a few array operations rather than a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.demo.arrays import BoolArray, FloatArray, IntArray, pick

# Common surnames with rough relative frequencies (王, 李, 张 … about 7% each).
_SURNAMES = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.3),
    ("赵", 2.2), ("吴", 2.0), ("周", 1.9), ("徐", 1.7), ("孙", 1.5), ("马", 1.5), ("朱", 1.3),
    ("胡", 1.3), ("郭", 1.2), ("何", 1.2), ("林", 1.2), ("高", 1.2), ("罗", 1.1), ("郑", 1.0),
    ("梁", 1.0), ("谢", 0.8), ("宋", 0.8), ("唐", 0.8), ("许", 0.7), ("韩", 0.7), ("冯", 0.7),
    ("邓", 0.7), ("曹", 0.7), ("彭", 0.6), ("曾", 0.6), ("肖", 0.6), ("田", 0.6), ("董", 0.5),
    ("袁", 0.5), ("潘", 0.5), ("于", 0.5), ("蒋", 0.5), ("蔡", 0.5), ("余", 0.5), ("杜", 0.5),
    ("叶", 0.4), ("程", 0.4), ("苏", 0.4), ("魏", 0.4), ("吕", 0.4), ("丁", 0.4), ("任", 0.4),
    ("沈", 0.4), ("姚", 0.4), ("卢", 0.4), ("姜", 0.3), ("崔", 0.3), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.3), ("廖", 0.3), ("贾", 0.3),
    ("夏", 0.3), ("韦", 0.3), ("方", 0.3), ("白", 0.3), ("邹", 0.3), ("孟", 0.3), ("熊", 0.3),
    ("秦", 0.3), ("欧阳", 0.1), ("司马", 0.02), ("上官", 0.02),
)  # fmt: skip
_SINGLE_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "霞", "平", "刚", "鹏", "辉", "玲", "婷", "健", "斌", "宁", "浩", "凯", "琳",
)  # fmt: skip
_GIVEN_FIRST = (
    "子", "梓", "欣", "宇", "浩", "思", "佳", "雨", "俊", "文", "晓", "嘉", "志", "建", "海",
    "春", "秀", "家", "天", "雅", "一", "明", "国", "永", "立",
)  # fmt: skip
_GIVEN_SECOND = (
    "涵", "轩", "怡", "然", "萱", "泽", "宁", "辰", "琪", "杰", "婷", "华", "峰", "波", "伟",
    "敏", "兰", "英", "阳", "博", "颖", "航", "琳", "鑫", "晨",
)  # fmt: skip
_ENGLISH_FIRST = (
    "Emily", "Jason", "Grace", "Kevin", "Linda", "David", "Amy", "Eric", "Helen", "Tony",
    "Vivian", "Peter", "Cindy", "Jack", "Sophie", "Daniel", "Lucy", "Michael", "Irene", "Frank",
    "Angela", "Steven", "Judy", "Leo", "Nancy", "Ryan", "Joyce", "Alex", "Wendy", "Henry",
)  # fmt: skip
_ENGLISH_LAST = (
    "Chen", "Wang", "Li", "Zhang", "Liu", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin", "Xu",
    "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Luo", "Lee", "Wong", "Chan", "Cheung", "Lau",
    "Ho", "Smith", "Miller", "Brown", "Taylor",
)  # fmt: skip

_BRAND_FIRST = (
    "华", "宏", "恒", "鑫", "瑞", "金", "天", "永", "新", "中", "盛", "嘉", "富", "博", "远",
    "祥", "东", "鼎", "创", "泰", "兴", "安", "达", "信", "德",
)  # fmt: skip
_BRAND_SECOND = (
    "信", "达", "通", "源", "丰", "泰", "成", "盛", "辉", "科", "隆", "邦", "利", "诚", "宇",
    "润", "海", "德", "华", "鹏", "联", "升", "捷", "凯", "和",
)  # fmt: skip
_INDUSTRIES = (
    "科技", "贸易", "实业", "电子", "物流", "医药", "食品", "建材", "机械", "信息技术",
    "餐饮管理", "文化传媒", "新能源", "环保科技", "服装", "家居", "汽车服务", "教育咨询",
    "精密制造", "供应链管理",
)  # fmt: skip
_ENGLISH_BRANDS = (
    "Brightway", "Sunrise", "Evergreen", "Pacific", "Goldleaf", "Silverline", "Bluewave",
    "Northstar", "Greenfield", "Harmony", "Summit", "Oriental", "Crystal", "Unity", "Dragonfly",
    "Lotus",
)  # fmt: skip
_ENGLISH_INDUSTRIES = (
    "Technology", "Trading", "Logistics", "Foods", "Electronics", "Medical", "Materials",
    "Machinery", "Media", "Energy",
)  # fmt: skip


@dataclass(frozen=True)
class Region:
    """A sales region with its cities and its share of teams."""

    zh: str
    en: str
    weight: float
    cities: tuple[str, ...]


REGIONS = (
    Region("华东", "East China", 0.25,
           ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "济南", "青岛")),
    Region("华南", "South China", 0.2, ("广州", "深圳", "厦门", "福州", "东莞", "佛山", "南宁")),
    Region("华北", "North China", 0.18, ("北京", "天津", "石家庄", "太原", "呼和浩特")),
    Region("华中", "Central China", 0.12, ("武汉", "长沙", "郑州", "南昌")),
    Region("西南", "Southwest", 0.12, ("成都", "重庆", "昆明", "贵阳")),
    Region("东北", "Northeast", 0.07, ("沈阳", "大连", "长春", "哈尔滨")),
    Region("西北", "Northwest", 0.06, ("西安", "兰州", "银川", "乌鲁木齐")),
)  # fmt: skip

_DIGITS = "零一二三四五六七八九"


def chinese_number(value: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五, 105 → 一百零五, 110 → 一百一十, 2006 → 二千零六 (1–9999)."""
    if not 0 < value < 10_000:
        raise ValueError(f"chinese_number supports 1–9999, got {value}")
    if 10 <= value < 20:  # 十, 十一 … 十九: no leading 一
        return "十" + (_DIGITS[value - 10] if value > 10 else "")
    parts: list[str] = []
    pending_zero = False
    for unit, power in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = value // power % 10
        if digit == 0:
            pending_zero = bool(parts)  # one 零 for any run of zeros between digits
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_DIGITS[digit] + unit)
    return "".join(parts)


def team_name(region: Region, number: int, *, english: bool) -> str:
    """``华东一组`` or ``East China 1``."""
    if english:
        return f"{region.en} {number}"
    return f"{region.zh}{chinese_number(number)}组"


def _choose(rng: np.random.Generator, pool: list[str] | tuple[str, ...], size: int) -> pa.Array:
    return pa.array(pool).take(pa.array(rng.integers(0, len(pool), size)))


def _join(*parts: pa.Array | str, separator: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, separator)


def person_names(rng: np.random.Generator, size: int, english_share: float) -> pa.Array:
    """Names like 王芳, 欧阳子涵 or Emily Chen."""
    weights: FloatArray = np.array([w for _, w in _SURNAMES])
    surnames = pa.array([s for s, _ in _SURNAMES]).take(pa.array(pick(rng, weights, size)))
    double = _join(_choose(rng, _GIVEN_FIRST, size), _choose(rng, _GIVEN_SECOND, size))
    two_characters = pa.array(rng.random(size) < 0.6)
    given = pc.if_else(two_characters, double, _choose(rng, _SINGLE_GIVEN, size))
    chinese = _join(surnames, given)
    english = _join(
        _choose(rng, _ENGLISH_FIRST, size), _choose(rng, _ENGLISH_LAST, size), separator=" "
    )
    return pc.if_else(pa.array(rng.random(size) < english_share), english, chinese)


def company_names(
    rng: np.random.Generator, cities: IntArray, large: BoolArray, english_share: float
) -> pa.Array:
    """Names like 上海华信科技有限公司, 深圳鼎盛集团有限公司 or ``Brightway Trading Co., Ltd.``."""
    size = len(cities)
    all_cities = [city for region in REGIONS for city in region.cities]
    city = pa.array(all_cities).take(pa.array(cities))
    brand = _join(_choose(rng, _BRAND_FIRST, size), _choose(rng, _BRAND_SECOND, size))
    industry = pc.if_else(pa.array(large), "集团", _choose(rng, _INDUSTRIES, size))
    suffix = pc.if_else(pa.array(large & (rng.random(size) < 0.4)), "股份有限公司", "有限公司")
    chinese = _join(city, brand, industry, suffix)
    english = _join(
        _choose(rng, _ENGLISH_BRANDS, size),
        _choose(rng, _ENGLISH_INDUSTRIES, size),
        "Co., Ltd.",
        separator=" ",
    )
    return pc.if_else(pa.array(rng.random(size) < english_share), english, chinese)


def city_count() -> int:
    """Number of cities over all regions (city indices run from 0)."""
    return sum(len(region.cities) for region in REGIONS)


def cities_of(region: int) -> tuple[int, int]:
    """First city index and number of cities of a region."""
    first = sum(len(r.cities) for r in REGIONS[:region])
    return first, len(REGIONS[region].cities)
