"""The party demo's figures and words (seed documents 000 and 002)."""

from __future__ import annotations

# 山鑫阳光城 keeps a register of its 710 in-service party members (在职党员四情数据库) for its
# 1,530 households: those living here and those registered elsewhere who reported here
# (报到). A demo of fewer households (the tests' 60) gets as many per household.
IN_SERVICE_PER_HOUSEHOLD = 710 / 1530
# A quarter's base standard: dues every month and at least this many meetings (三会一课).
MEETINGS_PER_QUARTER = 1
# Reported members' share of each activity: dues paid on time, meetings attended.
DUES_ON_TIME_SHARE = 0.93
MEETING_SHARE = {"参加主题党日": 0.22, "参加组织生活（三会一课）": 0.45}
# Those who claimed a post come to some of its activities.
POST_ACTIVITY_SHARE = 0.3
IN_SERVICE_CLAIM_RATE = 0.725  # 江川: 2,638 of 3,641 reported members claimed a post

DUTIES = {
    "按时交纳党费": "dues",
    "参加组织生活（三会一课）": "meeting",
    "参加主题党日": "meeting",
}
POSTS = {
    "议事岗": "deliberation",
    "治理岗": "governance",
    "奉献岗": "dedication",
    "监督岗": "supervision",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰海波晨宇浩然佳慧"
    "晓东鹏飞俊峰雪梅立新立群春燕卫东红霞"
)

# Units of the district whose in-service party members report here, and their positions.
EMPLOYERS = (
    ("金山区市政道路管理所", ("道路养护工", "工程师", "科长")),
    ("金山区城市管理行政执法局", ("执法队员", "科员")),
    ("金山区建设和管理委员会", ("科员", "工程师")),
    ("金山区水务局", ("科员", "工程师")),
    ("国网上海金山供电公司", ("电工", "工程师")),
    ("上海石化股份有限公司", ("工程师", "班组长", "技术员")),
    ("金山区人民医院", ("医生", "护士")),
    ("金山区司法局", ("科员", "律师")),
    ("金山区第一实验小学", ("教师",)),
    ("金山区消防救援支队", ("消防员",)),
)
SKILLS_BY_TITLE = {
    "电工": ("电工", "维修家电"),
    "道路养护工": ("道路养护", "驾驶"),
    "工程师": ("电脑", "维修家电"),
    "医生": ("量血压", "健康咨询"),
    "护士": ("量血压", "健康咨询"),
    "律师": ("法律咨询",),
    "教师": ("辅导功课", "书法"),
    "消防员": ("消防安全", "急救"),
    "执法队员": ("法律咨询", "驾驶"),
}
OTHER_SKILLS = ("电脑", "摄影", "驾驶", "心理疏导", "英语", "唱歌", "水管维修")
