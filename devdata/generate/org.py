"""The generated county: unit tree, people, dictionaries, batches and campaigns.

A few hundred rows, made with bulk_create. A second run finds the county by its root code and
reuses all of it, so problems can be added to the same batches (codes continue from
Batch.last_seq).
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from issues.models import Batch, Campaign, Category, Membership, Role, Unit, UnitKind

ROOT_CODE = "GEN"
PASSWORD = "bench12345"

DEPARTMENTS = [
    ("县委办公室", "party_dept"), ("县委组织部", "party_dept"), ("县委宣传部", "party_dept"),
    ("县委统战部", "party_dept"), ("县委政法委", "party_dept"), ("县纪委监委", "party_dept"),
    ("县政府办公室", "gov_dept"), ("县发展和改革局", "gov_dept"), ("县教育局", "gov_dept"),
    ("县科技和工业信息化局", "gov_dept"), ("县公安局", "gov_dept"), ("县民政局", "gov_dept"),
    ("县司法局", "gov_dept"), ("县财政局", "gov_dept"), ("县人力资源和社会保障局", "gov_dept"),
    ("县自然资源局", "gov_dept"), ("县生态环境分局", "gov_dept"), ("县住房和城乡建设局", "gov_dept"),
    ("县交通运输局", "gov_dept"), ("县水利局", "gov_dept"), ("县农业农村局", "gov_dept"),
    ("县商务局", "gov_dept"), ("县文化和旅游局", "gov_dept"), ("县卫生健康局", "gov_dept"),
    ("县应急管理局", "gov_dept"), ("县审计局", "gov_dept"), ("县市场监督管理局", "gov_dept"),
    ("县医疗保障局", "gov_dept"), ("县人民医院", "institution"), ("县城投集团", "soe"),
]  # fmt: skip
TOWNSHIPS = [
    "城关镇", "青石镇", "河口乡", "柳店镇", "双桥乡", "白沙镇", "梅林乡", "大坪镇", "石门镇",
    "龙潭乡", "新华街道", "东城街道", "西城街道", "桃源镇", "马鞍乡", "长岭镇", "高桥镇",
    "凤凰乡", "金山镇", "安乐乡",
]  # fmt: skip
VILLAGES_PER_TOWNSHIP = 6
VILLAGE_NAMES = ["东村", "西村", "南村", "北村", "新村", "社区", "中心村", "前进村"]

CATEGORIES = [
    "理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律",
    "政治建设", "党的建设", "全面从严治党", "财经纪律", "生态环境", "民生保障",
]  # fmt: skip

# (code prefix, name, source, issuer, list review, close-out chain, weight)
BATCHES = [
    ("2023-ZTJC", "2023年主题教育检视问题", "self_examination", "县委主题教育领导小组办公室",
     True, ["unit_head", "office"], 3),
    ("2024-XC2", "县委第二轮巡察反馈问题", "circuit_inspection", "县委第二巡察组",
     False, ["unit_head", "office", "leader"], 3),
    ("2024-SJ", "2024年审计发现问题", "audit", "县审计局", False, ["unit_head", "office"], 2),
    ("2024-HBDC", "省生态环境保护督察反馈问题", "supervision", "省生态环境保护督察组",
     False, ["unit_head", "office", "leader"], 1),
    ("2025-XF", "2025年群众信访诉求问题", "petition", "县信访局", False, ["unit_head", "office"], 2),
    ("2025-SJJB", "上级交办问题", "assigned_by_superior", "市委督查室", False,
     ["unit_head", "office"], 1),
]  # fmt: skip

CAMPAIGNS = [
    ("整治形式主义为基层减负专项整治", "县委办公室"),
    ("政府采购和财政专项资金管理专项整治", "县财政局"),
    ("群众身边不正之风和腐败问题集中整治", "县纪委监委"),
]


@dataclass
class Org:
    root: Unit
    office: Unit
    units: list[Unit]  # every unit that can lead a problem (departments, townships, villages)
    weights: list[float]  # relative share of problems led by each of `units`
    children: dict[int, list[int]]  # township id -> village ids (cooperating units)
    admin: dict[int, int] = field(default_factory=dict)  # unit id -> unit_admin user id
    head: dict[int, int] = field(default_factory=dict)
    staff: dict[int, int] = field(default_factory=dict)
    office_admins: list[int] = field(default_factory=list)
    reviewers: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    batch_weights: list[int] = field(default_factory=list)
    campaigns: list[int] = field(default_factory=list)


def build_org(*, units: int, rng: random.Random, today: dt.date) -> Org:
    root = Unit.objects.filter(code=ROOT_CODE).first()
    if root is None:
        root = _make_units(units)
        _make_people(root)
    org = _load(root)
    org.categories = _categories()
    org.batches, org.batch_weights = _batches(today, root)
    org.campaigns = _campaigns(org)
    return org


def _make_units(count: int) -> Unit:
    root = Unit.objects.create(name="中共某某县委员会", short_name="县委", code=ROOT_CODE,
                               kind=UnitKind.PARTY_DEPT)  # fmt: skip
    Unit.objects.create(name="县委整改工作办公室", short_name="整改办", code=f"{ROOT_CODE}-ZGB",
                        kind=UnitKind.PARTY_DEPT, parent=root)  # fmt: skip
    n_towns = max(1, round(count * 0.4)) if count > 1 else 0
    n_depts = max(count - n_towns, 1)
    level1 = []
    for i in range(n_depts):
        name, kind = DEPARTMENTS[i % len(DEPARTMENTS)]
        suffix = f"{i // len(DEPARTMENTS) + 1}" if i >= len(DEPARTMENTS) else ""
        level1.append(Unit(name=name + suffix, short_name=name[1:] + suffix,
                           code=f"{ROOT_CODE}-D{i + 1:03d}", kind=kind, parent=root, sort=i))  # fmt: skip
    for i in range(n_towns):
        name = TOWNSHIPS[i % len(TOWNSHIPS)]
        suffix = f"{i // len(TOWNSHIPS) + 1}" if i >= len(TOWNSHIPS) else ""
        level1.append(Unit(name=name + suffix, short_name=name + suffix,
                           code=f"{ROOT_CODE}-T{i + 1:03d}", kind=UnitKind.TOWNSHIP, parent=root,
                           sort=100 + i))  # fmt: skip
    Unit.objects.bulk_create(level1)
    level1 = list(Unit.objects.filter(parent=root).exclude(code=f"{ROOT_CODE}-ZGB"))
    villages = []
    for town in level1:
        if town.kind != UnitKind.TOWNSHIP:
            continue
        for j in range(VILLAGES_PER_TOWNSHIP):
            name = f"{town.short_name}{VILLAGE_NAMES[j % len(VILLAGE_NAMES)]}"
            villages.append(Unit(name=name, short_name=name, code=f"{town.code}-V{j + 1:02d}",
                                 kind=UnitKind.VILLAGE, parent=town, sort=j))  # fmt: skip
    Unit.objects.bulk_create(villages)
    # Materialised paths (Unit.save computes them one by one; here two UPDATEs per level).
    all_units = list(Unit.objects.filter(code__startswith=ROOT_CODE).order_by("pk"))
    by_id = {u.pk: u for u in all_units}
    for unit in sorted(all_units, key=lambda u: (u.parent_id is not None, u.parent_id or 0)):
        parent = by_id.get(unit.parent_id)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.bulk_update(all_units, ["path"], batch_size=500)
    return by_id[root.pk]


def _make_people(root: Unit) -> None:
    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once: every generated user shares it
    units = list(Unit.objects.filter(path__startswith=root.path).exclude(pk=root.pk))
    people = []  # (username, first name, unit, role)
    for i in range(2):
        people.append((f"gen_oa{i + 1}", f"整改办管理员{i + 1}", root, Role.OFFICE_ADMIN))
    for i in range(3):
        people.append((f"gen_rev{i + 1}", f"整改办审核员{i + 1}", root, Role.OFFICE_REVIEWER))
    for i in range(5):
        people.append((f"gen_leader{i + 1}", f"县领导{i + 1}", root, Role.LEADER))
    people.append(("gen_viewer", "只读", root, Role.VIEWER))
    for unit in units:
        if unit.code == f"{ROOT_CODE}-ZGB":
            continue
        tag = unit.code.removeprefix(f"{ROOT_CODE}-").replace("-", "").lower()
        people.append((f"gen_{tag}_lly", f"{unit.short_name}联络员", unit, Role.UNIT_ADMIN))
        people.append((f"gen_{tag}_fzr", f"{unit.short_name}负责人", unit, Role.UNIT_HEAD))
        people.append((f"gen_{tag}_jbr", f"{unit.short_name}经办人", unit, Role.UNIT_STAFF))
    User.objects.bulk_create(
        [User(username=u, first_name=name, password=password) for u, name, _, _ in people],
        batch_size=1000,
    )
    ids = dict(User.objects.filter(username__startswith="gen_").values_list("username", "pk"))
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u], unit=unit, role=role) for u, _, unit, role in people],
        batch_size=1000,
    )


def _load(root: Unit) -> Org:
    units = list(Unit.objects.filter(path__startswith=root.path).order_by("pk"))
    office = next(u for u in units if u.code == f"{ROOT_CODE}-ZGB")
    leading = [u for u in units if u.pk not in (root.pk, office.pk)]
    children: dict[int, list[int]] = {}
    for unit in leading:
        if unit.kind == UnitKind.VILLAGE:
            children.setdefault(unit.parent_id, []).append(unit.pk)
    # Departments and townships carry most of the load; villages some.
    weights = [0.4 if u.kind == UnitKind.VILLAGE else 3.0 for u in leading]
    org = Org(root=root, office=office, units=leading, weights=weights, children=children)
    roles = Membership.objects.filter(unit__path__startswith=root.path).values_list(
        "unit_id", "role", "user_id"
    )
    for unit_id, role, user_id in roles.order_by("pk"):
        if role == Role.UNIT_ADMIN:
            org.admin.setdefault(unit_id, user_id)
        elif role == Role.UNIT_HEAD:
            org.head.setdefault(unit_id, user_id)
        elif role == Role.UNIT_STAFF:
            org.staff.setdefault(unit_id, user_id)
        elif role == Role.OFFICE_ADMIN:
            org.office_admins.append(user_id)
        elif role == Role.OFFICE_REVIEWER:
            org.reviewers.append(user_id)
        elif role == Role.LEADER:
            org.leaders.append(user_id)
    missing = [u.code for u in leading if u.pk not in org.admin or u.pk not in org.head]
    if missing or not (org.office_admins and org.reviewers and org.leaders):
        raise ValueError(f"generated county {ROOT_CODE} is incomplete (units {missing[:5]})")
    return org


def _categories() -> list[int]:
    ids = []
    for i, name in enumerate(CATEGORIES):
        category, _ = Category.objects.get_or_create(name=name, defaults={"sort": i})
        ids.append(category.pk)
    return ids


def _batches(today: dt.date, root: Unit) -> tuple[list[Batch], list[int]]:
    batches, weights = [], []
    for i, (prefix, name, source, issuer, review, chain, weight) in enumerate(BATCHES):
        batch, _ = Batch.objects.get_or_create(
            code_prefix=prefix,
            defaults=dict(
                name=name,
                source=source,
                issuer=issuer,
                doc_no=f"{issuer[:2]}〔{prefix[:4]}〕{i + 3}号",
                received_date=today - dt.timedelta(days=420 - 60 * i),
                default_due_date=today + dt.timedelta(days=90 + 30 * i),
                needs_list_review=review,
                closeout_chain=chain,
                owner_unit=root,  # issued by the county office
                max_extension_days=180 if source in ("circuit_inspection", "supervision") else None,
            ),
        )
        batches.append(batch)
        weights.append(weight)
    return batches, weights


def _campaigns(org: Org) -> list[int]:
    by_name = {u.name: u for u in org.units}
    ids = []
    for name, lead in CAMPAIGNS:
        unit = by_name.get(lead, org.units[0])
        campaign = Campaign.objects.filter(name=name, lead_unit=unit).first()
        if campaign is None:
            campaign = Campaign.objects.create(
                name=name,
                lead_unit=unit,
                leader_id=org.leaders[0],
                goal=f"{name}，立行立改。",
                owner_unit=org.root,
            )
        ids.append(campaign.pk)
    return ids
