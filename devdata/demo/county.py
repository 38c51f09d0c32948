"""The demo county 清河县: its units, its people, its dictionaries and its two problem lists.

Plain data only; devdata.demo.build turns it into rows through the real services.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "demo12345"
# Presence of this unit code means the demo has been seeded (seed_demo then does nothing).
ROOT_CODE = "QHX"


@dataclass(frozen=True)
class DemoUnit:
    key: str  # also the prefix of the unit's usernames: jyj → jyj_lly, jyj_fzr, jyj_jbr
    name: str
    short_name: str
    kind: str
    # (联络员 unit_admin, 主要负责人 unit_head, 经办人 unit_staff)
    people: tuple[str, str, str]


ROOT = ("中共清河县委员会", "县委", "party_dept")
OFFICE = ("县委整改工作办公室", "整改办", "party_dept")

UNITS = [
    DemoUnit("xwb", "县委办公室", "县委办", "party_dept", ("赵文博", "周振华", "吴思远")),
    DemoUnit("zzb", "县委组织部", "组织部", "party_dept", ("郑海波", "冯国强", "何雨欣")),
    DemoUnit("xcb", "县委宣传部", "宣传部", "party_dept", ("许晓峰", "韩志刚", "唐文静")),
    DemoUnit("fgj", "县发展和改革局", "发改局", "gov_dept", ("曹宇航", "彭建军", "董丽娟")),
    DemoUnit("jyj", "县教育局", "教育局", "gov_dept", ("张伟", "李秀英", "王芳")),
    DemoUnit("czj", "县财政局", "财政局", "gov_dept", ("杨帆", "黄志明", "林晓红")),
    DemoUnit("zrzyj", "县自然资源局", "自然资源局", "gov_dept", ("罗家豪", "梁永刚", "谢婷婷")),
    DemoUnit("zjj", "县住房和城乡建设局", "住建局", "gov_dept", ("宋海涛", "邓建平", "肖雅琴")),
    DemoUnit("wjj", "县卫生健康局", "卫健局", "gov_dept", ("蒋春梅", "田卫东", "袁静怡")),
    DemoUnit("mzj", "县民政局", "民政局", "gov_dept", ("潘立群", "于洪涛", "蔡玉兰")),
    DemoUnit("scjgj", "县市场监督管理局", "市场监管局", "gov_dept", ("余志远", "杜红霞", "叶青松")),
    DemoUnit("nyncj", "县农业农村局", "农业农村局", "gov_dept", ("程国庆", "苏长青", "魏小军")),
    DemoUnit("cgz", "城关镇", "城关镇", "township", ("吕德明", "丁玉梅", "任俊杰")),
    DemoUnit("qsz", "青石镇", "青石镇", "township", ("沈国华", "姚建新", "卢春燕")),
    DemoUnit("hkx", "河口乡", "河口乡", "township", ("姜红兵", "崔志勇", "钟燕")),
    DemoUnit("ldz", "柳店镇", "柳店镇", "township", ("谭卫国", "陆明亮", "汪秀兰")),
    DemoUnit("sqx", "双桥乡", "双桥乡", "township", ("范文杰", "金德福", "石小兵")),
    DemoUnit("bsz", "白沙镇", "白沙镇", "township", ("廖春生", "贾海燕", "夏永红")),
    DemoUnit("mlx", "梅林乡", "梅林乡", "township", ("韦家明", "付桂芳", "方振宇")),
    DemoUnit("dpz", "大坪镇", "大坪镇", "township", ("白云飞", "邹建华", "孟凡超")),
]
UNIT_ROLES = (("lly", "unit_admin"), ("fzr", "unit_head"), ("jbr", "unit_staff"))

# County-level accounts: (username, display name, role on the county root or None, role label)
COUNTY_PEOPLE = [
    ("admin", "系统管理员", None, "系统管理员（超级用户）"),
    ("zgb_admin", "刘建国", "office_admin", "整改办管理员"),
    ("zgb_shenhe", "陈晓燕", "office_reviewer", "整改办审核员"),
    ("xianzhang", "王立新", "leader", "县领导（责任领导）"),
    ("viewer", "孙明哲", "viewer", "只读（全县）"),
]


def unit_usernames(unit: DemoUnit) -> list[str]:
    return [f"{unit.key}_{suffix}" for suffix, _ in UNIT_ROLES]


def all_usernames() -> list[str]:
    names = [username for username, *_ in COUNTY_PEOPLE]
    for unit in UNITS:
        names += unit_usernames(unit)
    return names


THEME_CATEGORIES = ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]
INSPECTION_CATEGORIES = ["政治建设", "党的建设", "全面从严治党"]

# Offsets are days from the local "today", so the demo always looks alive. `received` is when
# the batch arrived: the 巡察 feedback in early summer, the audit in August, the 主题教育
# self-examination in September (today being early December).
BATCHES = {
    "xc": dict(
        name="县委第三轮巡察反馈问题",
        source="circuit_inspection",
        issuer="县委第三巡察组",
        doc_no="县巡反〔2024〕3号",
        received=-170,
        default_due=80,
        code_prefix="2024-XC3",
        needs_list_review=False,
        closeout_chain=["unit_head", "office", "leader"],
        max_extension_days=180,
        report_cycle="monthly",
        report_due_day=25,
    ),
    "sj": dict(
        name="县审计局预算执行审计反馈问题",
        source="audit",
        issuer="清河县审计局",
        doc_no="清审报〔2024〕8号",
        received=-115,
        default_due=60,
        code_prefix="2024-SJ",
        needs_list_review=False,
        closeout_chain=["unit_head", "office"],
        max_extension_days=90,
        report_cycle="monthly",
        report_due_day=25,
    ),
    "ztjy": dict(
        name="2023年主题教育检视问题",
        source="self_examination",
        issuer="县委主题教育领导小组办公室",
        doc_no="清主教办〔2023〕12号",
        received=-82,
        default_due=60,
        code_prefix="2023-ZTJY",
        needs_list_review=True,
    ),
}

CAMPAIGNS = {
    "jcjf": dict(
        name="整治形式主义为基层减负专项整治",
        lead_unit="xwb",
        start=-150,
        end=120,
        goal="精文减会，规范督查检查考核，清理整合政务工作群和村级台账，切实为基层松绑减负。",
    ),
    "zfcg": dict(
        name="政府采购和财政专项资金管理专项整治",
        lead_unit="czj",
        start=-90,
        end=180,
        goal="规范政府采购行为，加快专项资金拨付使用，堵塞资金管理漏洞。",
    ),
}
