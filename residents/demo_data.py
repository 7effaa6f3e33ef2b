"""The demo register as plain tables: the two demo communities, their logins, and the names,
numbers and household shapes people are drawn from. `residents.demo` turns them into plans
and draws the register; nothing here runs or touches the database.

山鑫阳光城 is modelled on the seed documents (1,530 passbook households, about 700 party
members); 齐河第三居民区 is a small second community, there to show tenancy.
"""

# --- The communities ---------------------------------------------------------------------

# Ages and dates are drawn against fixed dates, so the data does not drift from year to year.
REFERENCE_YEAR = 2026
MOVED_OUT_BETWEEN = ("2023-01-01", "2026-10-31")
# 山鑫阳光城: about 700 party members among 1,530 households; 70% of 楼组长 are party members.
PARTY_MEMBERS_PER_HOUSEHOLD = 700 / 1530
PARTY_LEADER_SHARE = 0.7
MOVED_OUT_SHARE = 0.02

SHANXIN = {
    "name": "山鑫阳光城居民区",
    "slug": "shanxin",
    "sub_district": "石化街道",
    "passbook_prefix": "SX",
    # (name, floors, doors a floor, units a building (单元, 0 = none), share of the groups)
    "compounds": (
        ("山鑫阳光城一期", 6, 2, 2, 0.35),
        ("山鑫阳光城二期", 6, 4, 0, 0.35),
        ("山鑫阳光城三期", 18, 3, 0, 0.30),
    ),
    # The first local digits of the area's 021 numbers.
    "landline_prefix": "579",
    # Employers of in-service party members, and the job titles each has.
    "employers": (
        ("上海石化股份有限公司", ("工程师", "技术员", "班组长", "安全主管", "车间主任")),
        ("金山区人民医院", ("医生", "护士", "药剂师")),
        ("金山区第一实验小学", ("教师", "教导主任")),
        ("中国银行金山支行", ("客户经理", "柜员", "经理")),
        ("区税务局", ("科员", "科长")),
        ("石化街道办事处", ("科员", "社区干部")),
        ("金山区市场监督管理局", ("科员", "执法队员")),
        ("国网上海金山供电公司", ("工程师", "电工")),
        ("金山区疾病预防控制中心", ("医师", "科员")),
        ("上海市金山中学", ("教师",)),
        ("金山区公安分局", ("民警",)),
    ),
    "households_per_group": 40,
    "max_building_groups": 35,
    # The head of the first household (SX-00001), whom the pinyin search demo finds.
    "first_head": "郑兴友",
}

QIHE3 = {
    "name": "齐河第三居民区",
    "slug": "qihe3",
    "sub_district": "石化街道",  # the demo's 街道 holds both communities
    "passbook_prefix": "QH",
    "compounds": (("齐河新村", 6, 3, 0, 1.0),),
    "landline_prefix": "588",
    "employers": (
        ("上海市东方医院", ("医生", "护士")),
        ("浦东新区潍坊新村街道办事处", ("科员",)),
        ("交通银行浦东分行", ("客户经理", "经理")),
        ("浦东新区税务局", ("科员", "科长")),
        ("上海市建平中学", ("教师",)),
    ),
    "households_per_group": 15,
    "max_building_groups": 4,
    "first_head": "",
}
QIHE3_HOUSEHOLDS = 60

# One login per role: (username, full name, community slug, role). No community: the
# superuser of /admin/.
DEMO_USERS = (
    ("sx_admin", "周红梅", "shanxin", "admin"),
    ("sx_staff", "陈丽华", "shanxin", "staff"),
    ("sx_counter", "顾美娟", "shanxin", "counter"),
    ("qh_admin", "黄建平", "qihe3", "admin"),
    ("qh_staff", "沈佳", "qihe3", "staff"),
    ("root", "系统管理员", "", ""),
)

# --- People ------------------------------------------------------------------------------

# The commonest surnames, most common first.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)

# Given names by the era people were born in: (male, female); single characters are common too.
# fmt: off
ELDER_NAMES = (  # born up to 1965
    (
        "建国", "国华", "志强", "建华", "国强", "永康", "金宝", "德明", "福根", "根宝", "文华",
        "振华", "明德", "海林", "荣生", "伟民", "卫东", "国庆", "家兴", "长林", "宝林", "洪根",
        "秋生", "福林", "仁华", "建平", "跃进", "忠良", "正华", "强", "军", "华", "平", "明", "斌",
        "林", "刚", "荣", "忠",
    ),
    (
        "秀英", "桂兰", "淑珍", "玉兰", "凤英", "美华", "秀珍", "桂英", "玉珍", "金妹", "彩娣",
        "丽华", "月娥", "雪芳", "惠芬", "美娟", "红梅", "菊芳", "秀兰", "凤仙", "招娣", "小妹",
        "引娣", "美英", "素珍", "桂芳", "玉梅", "根娣", "英", "芳", "萍", "琴", "珍", "敏", "霞",
        "兰", "娟", "梅",
    ),
)
MIDDLE_NAMES = (  # born 1966–1990
    (
        "建军", "海涛", "志刚", "晓东", "建峰", "国伟", "立新", "卫国", "文斌", "振宇", "永明",
        "俊峰", "晓明", "海波", "剑锋", "伟", "磊", "勇", "军", "涛", "斌", "杰", "俊", "剑", "宏",
        "峰", "鹏", "超", "彬", "亮",
    ),
    (
        "晓燕", "丽娟", "海燕", "雪梅", "晓红", "春燕", "丽萍", "美玲", "晓琳", "慧敏", "秀丽",
        "艳华", "文静", "丽", "静", "燕", "娟", "艳", "敏", "洁", "婷", "丹", "佳", "颖", "琳",
        "蕾", "瑾", "雯",
    ),
)
YOUNG_NAMES = (  # born after 1990
    (
        "浩然", "子轩", "宇航", "俊杰", "梓豪", "一鸣", "浩宇", "天佑", "博文", "子豪", "宇轩",
        "思远", "嘉诚", "晨", "昊", "睿", "哲", "轩", "宇",
    ),
    (
        "欣怡", "子涵", "雨桐", "诗涵", "梓涵", "思琪", "佳怡", "一诺", "可馨", "雨欣", "梦琪",
        "语嫣", "欣妍", "若曦", "悦", "萱", "琪", "彤", "璐", "瑶",
    ),
)
MOBILE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "158", "159", "177",
    "180", "181", "186", "187", "188", "189", "199",
)
ELDER_SPECIALTIES = (
    "太极拳", "编织", "书法", "唱歌", "跳舞", "量血压", "理发", "烹饪", "维修家电",
)
ADULT_SPECIALTIES = (
    "电脑", "摄影", "烹饪", "维修家电", "法律咨询", "心理疏导", "英语", "唱歌", "跳舞", "量血压",
    "理发", "书法",
)
# fmt: on

# Kinds of household and their share of households (the register is elderly-heavy).
HOUSEHOLD_KINDS = {
    "single_elder": 0.14,
    "elder_couple": 0.24,
    "elder_with_child": 0.08,
    "single_adult": 0.05,
    "couple": 0.10,
    "nuclear": 0.21,
    "three_generations": 0.18,
}
