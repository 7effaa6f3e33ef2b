"""The volunteering demo as plain tables: each demo community's project menu, teams and
the series of past activities, and the figures the drawing follows. `volunteering.demo`
turns them into plans and draws the data; nothing here runs or touches the database.
"""

IN_SERVICE_CLAIM_RATE = 0.725  # 江川: 2,638 of 3,641 reporting in-service party members
OTHER_PARTY_CLAIM_RATE = 0.40
SHORTER_HOURS_SHARE = 0.06  # attendance rows a bit shorter than the activity (left early)
REJECTED_SHARE = 0.03
REJECTION_REASONS = ("当天未到场", "当天未到场", "中途离开，未完成服务", "重复登记")
DUES_ON_TIME_SHARE = 0.93  # party members who pay a month's dues on time
PARTY_ORGANISER = "居民区党总支"
COMMITTEE = "居委会"

POSTS = ("议事岗", "治理岗", "奉献岗", "监督岗")
BASE_CATEGORY = "党员基础分"
PARTY_SERVICE_CENTRE = "居民区党群服务站"
NOT_CLAIMED = ("合唱排练", "舞蹈排练", "文艺演出")  # team practice and shows, not offers of help

# Employers suggest what an in-service party member offers to do.
AFFINITY = {
    "医院": ("义诊量血压", "心理疏导"),
    "疾病预防": ("义诊量血压",),
    "学": ("电脑答疑", "心理疏导"),
    "银行": ("防诈骗宣传", "爱心募捐"),
    "公安": ("防诈骗宣传", "安全巡逻", "义务安保"),
    "石化": ("安全巡逻", "义务安保", "家电维修"),
    "供电": ("家电维修", "安全巡逻"),
    "税务": ("法律咨询", "防诈骗宣传"),
    "街道": ("法律咨询", "车辆停放劝导"),
    "市场监督": ("防诈骗宣传", "车辆停放劝导"),
}

# A community's series of activities, one row a kind of activity (see demo.SeriesSpec):
# - project, title (may use {month}, {quarter} and {group}), start and end times, place;
# - kind, who takes part: "team", "group" (a building group's residents), "residents",
#   "claimers" (those who claimed the project), "party" (party members) or "dues" (party
#   members paying that month's dues); size: (fewest, most) taking part;
# - when: every `every_weeks` weeks on `weekday` (Monday = 0), on `day_of_month` of every
#   `every_months`-th month, or `count` times in the year; `until_days_ago` ends it early
#   (a project retired since).

SHANXIN_CENTRE = "山鑫阳光城社区活动中心"
# fmt: off
SHANXIN = {
    "slug": "shanxin",
    "staff_username": "sx_staff",
    # category: its projects (name, default hours, description[, False if retired])
    "categories": {
        "平安守护": (
            ("安全巡逻", "2.0", "夜间在小区内巡查，发现安全隐患及时报告居委会。"),
            ("义务安保", "3.0", "节假日和大型活动期间协助维持秩序。"),
            ("车辆停放劝导", "1.5", "劝导非机动车、机动车规范停放，保持消防通道畅通。"),
            ("防诈骗宣传", "1.5", "向老年居民讲解常见诈骗手法，发放宣传资料。"),
        ),
        "邻里互助": (
            ("老伙伴结对", "2.0", "低龄老人结对看望高龄、独居老人，聊天谈心。"),
            ("助老送餐", "1.5", "为行动不便的老人送午餐到家。"),
            ("义诊量血压", "2.0", "协助社区医生为居民量血压、测血糖、做登记。"),
            ("电脑答疑", "1.5", "在居委会办公室解答电脑、手机使用问题。"),
            ("理发义剪", "2.0", "为老年居民免费理发。"),
            ("家电维修", "2.0", "修理小家电，检查老旧电线。"),
            ("法律咨询", "2.0", "解答邻里纠纷、赡养、继承等法律问题。"),
            ("心理疏导", "1.5", "陪伴有心理困扰的居民，必要时转介专业机构。"),
            ("爱心募捐", "2.0", "组织为困难家庭募集钱物。"),
        ),
        "环境美化": (
            ("楼道清洁", "1.5", "清理楼道堆物、擦拭扶手和信报箱。"),
            ("垃圾分类值守", "2.0", "在垃圾厢房定时定点值守，指导居民分类投放。"),
            ("绿化养护", "2.0", "修剪绿化带、补种花草、清理落叶。"),
        ),
        "文体教育": (
            ("文艺演出", "3.0", "节日文艺汇演、团队社区展演。"),
            ("合唱排练", "2.0", "合唱队定期排练。"),
            ("舞蹈排练", "2.0", "舞蹈队定期排练。"),
            ("摄影记录", "2.0", "拍摄社区活动，整理照片用于宣传栏。"),
            ("读书会", "1.5", "每月共读一本书，交流心得。", False),
            ("教育推广", "2.0", "为青少年开设假期兴趣课堂。", False),
        ),
        "党建议事": (
            ("议事岗", "2.0", "参加居民区议事会，收集、讨论居民意见。"),
            ("治理岗", "2.0", "参与小区难点问题治理，如群租、堆物整治。"),
            ("奉献岗", "2.0", "认领微心愿，为困难居民办实事。"),
            ("监督岗", "2.0", "监督小区维修资金使用和物业服务。"),
        ),
        BASE_CATEGORY: (
            ("按时交纳党费", "0.5", "党员每月按时足额交纳党费。"),
            ("参加组织生活（三会一课）", "2.0", "参加支部党员大会、党小组会和党课。"),
            ("参加主题党日", "2.0", "参加每月主题党日活动。"),
        ),
    },
    # (name, (smallest, largest), gender it draws more of, specialty it draws more of)
    "teams": (
        ("巡逻队", (30, 40), "男", ""),
        ("合唱队", (20, 32), "女", "唱歌"),
        ("舞蹈队", (14, 24), "女", "跳舞"),
        ("拳操队", (15, 28), "", "太极拳"),
        ("摄影小组", (8, 12), "", "摄影"),
        ("助老服务队", (15, 25), "女", ""),
        ("环保志愿队", (15, 28), "", ""),
    ),
    "series": (
        {"project": "安全巡逻", "title": "周三夜间安全巡逻", "kind": "team", "start": "19:00",
         "end": "21:00", "place": "小区各出入口及楼道", "size": (6, 12), "team": "巡逻队",
         "every_weeks": 1, "weekday": 2},
        {"project": "合唱排练", "title": "合唱队周二排练", "kind": "team", "start": "09:00",
         "end": "11:00", "place": f"{SHANXIN_CENTRE}多功能厅", "size": (12, 30), "team": "合唱队",
         "every_weeks": 2, "weekday": 1},
        {"project": "舞蹈排练", "title": "舞蹈队排练", "kind": "team", "start": "14:00",
         "end": "16:00", "place": f"{SHANXIN_CENTRE}多功能厅", "size": (8, 22), "team": "舞蹈队",
         "every_weeks": 2, "weekday": 3},
        {"project": "垃圾分类值守", "title": "垃圾分类定时定点值守", "kind": "team",
         "start": "07:00", "end": "09:00", "place": "二期垃圾厢房", "size": (4, 8),
         "team": "环保志愿队", "every_weeks": 3, "weekday": 5},
        {"project": "助老送餐", "title": "为独居老人送午餐", "kind": "team", "start": "10:30",
         "end": "12:00", "place": "社区长者食堂", "size": (4, 8), "team": "助老服务队",
         "every_weeks": 4, "weekday": 0},
        {"project": "老伙伴结对", "title": "老伙伴结对走访", "kind": "team", "start": "14:00",
         "end": "16:00", "place": "结对老人家中", "size": (6, 14), "team": "助老服务队",
         "every_weeks": 4, "weekday": 4},
        {"project": "义诊量血压", "title": "{month}月义诊量血压", "kind": "residents",
         "start": "08:30", "end": "11:00", "place": f"{SHANXIN_CENTRE}门口", "size": (4, 8),
         "every_weeks": 4, "weekday": 5, "specialty": "量血压"},
        {"project": "楼道清洁", "title": "{group}楼道清洁", "kind": "group", "start": "08:00",
         "end": "09:30", "size": (5, 14), "every_weeks": 4, "weekday": 6},
        {"project": "绿化养护", "title": "绿化带修剪与补种", "kind": "team", "start": "08:00",
         "end": "10:00", "place": "一期中心花园", "size": (6, 14), "team": "环保志愿队",
         "every_weeks": 8, "weekday": 2},
        {"project": "电脑答疑", "title": "电脑手机使用答疑", "kind": "residents", "start": "14:00",
         "end": "15:30", "place": "居委会办公室", "size": (4, 6), "every_weeks": 8, "weekday": 3,
         "specialty": "电脑"},
        {"project": "文艺演出", "title": "拳操队广场展演", "kind": "team", "start": "18:30",
         "end": "20:00", "place": "三期中心广场", "size": (10, 24), "team": "拳操队",
         "every_weeks": 8, "weekday": 4},
        {"project": "文艺演出", "title": "社区文艺汇演", "kind": "team", "start": "14:00",
         "end": "17:00", "place": f"{SHANXIN_CENTRE}多功能厅", "size": (20, 40), "team": "合唱队",
         "count": 3},
        {"project": "摄影记录", "title": "摄影小组活动拍摄", "kind": "team", "start": "09:00",
         "end": "11:00", "place": "小区内", "size": (4, 10), "team": "摄影小组", "every_weeks": 8,
         "weekday": 5},
        {"project": "理发义剪", "title": "理发义剪进楼组", "kind": "residents", "start": "09:00",
         "end": "11:00", "place": f"{SHANXIN_CENTRE}", "size": (4, 6), "every_weeks": 8,
         "weekday": 1, "specialty": "理发"},
        {"project": "家电维修", "title": "小家电义务维修", "kind": "residents", "start": "09:00",
         "end": "11:30", "place": "二期门卫室旁", "size": (4, 6), "count": 4,
         "specialty": "维修家电"},
        {"project": "防诈骗宣传", "title": "防诈骗知识宣传", "kind": "residents", "start": "09:30",
         "end": "11:00", "place": "小区主出入口", "size": (4, 10), "count": 4},
        {"project": "车辆停放劝导", "title": "非机动车规范停放劝导", "kind": "residents",
         "start": "07:30", "end": "09:00", "place": "一期、二期车棚", "size": (4, 8), "count": 3},
        {"project": "义务安保", "title": "社区大型活动义务安保", "kind": "team", "start": "18:00",
         "end": "21:00", "place": "小区各出入口", "size": (10, 20), "team": "巡逻队", "count": 2},
        {"project": "法律咨询", "title": "法律咨询进社区", "kind": "residents", "start": "14:00",
         "end": "16:00", "place": "居委会办公室", "size": (4, 5), "count": 2,
         "specialty": "法律咨询"},
        {"project": "心理疏导", "title": "心理健康讲座与谈心", "kind": "residents",
         "start": "14:00", "end": "15:30", "place": "居委会会议室", "size": (4, 5), "count": 2,
         "specialty": "心理疏导"},
        {"project": "爱心募捐", "title": "为困难家庭爱心募捐", "kind": "residents",
         "start": "09:00", "end": "11:00", "place": f"{SHANXIN_CENTRE}门口", "size": (6, 12),
         "count": 2},
        {"project": "议事岗", "title": "{month}月居民区议事会", "kind": "claimers",
         "start": "18:30", "end": "20:30", "place": "居委会会议室", "size": (6, 14),
         "every_weeks": 8, "weekday": 1},
        {"project": "治理岗", "title": "楼道堆物集中整治", "kind": "claimers", "start": "09:00",
         "end": "11:00", "place": "三期各楼栋", "size": (5, 12), "count": 2},
        {"project": "奉献岗", "title": "微心愿认领与送达", "kind": "claimers", "start": "14:00",
         "end": "16:00", "place": "困难家庭家中", "size": (4, 10), "count": 3},
        {"project": "监督岗", "title": "维修资金使用情况监督", "kind": "claimers",
         "start": "19:00", "end": "20:30", "place": "居委会会议室", "size": (4, 8), "count": 2},
        {"project": "读书会", "title": "{month}月读书会", "kind": "residents", "start": "14:00",
         "end": "15:30", "place": f"{SHANXIN_CENTRE}阅览室", "size": (5, 10), "count": 4,
         "until_days_ago": 120},
        {"project": "按时交纳党费", "title": "{month}月党费按时交纳", "kind": "dues",
         "start": "09:00", "end": "09:30", "place": PARTY_SERVICE_CENTRE, "day_of_month": 10},
        {"project": "参加主题党日", "title": "{month}月主题党日", "kind": "party",
         "start": "09:00", "end": "11:00", "place": f"{SHANXIN_CENTRE}多功能厅",
         "size": (100, 180), "day_of_month": 20},
        {"project": "参加组织生活（三会一课）", "title": "第{quarter}季度支部党员大会暨党课",
         "kind": "party", "start": "14:00", "end": "16:00", "place": f"{SHANXIN_CENTRE}多功能厅",
         "size": (150, 260), "day_of_month": 25, "every_months": 3},
    ),
}
# fmt: on

# fmt: off
QIHE3 = {
    "slug": "qihe3",
    "staff_username": "qh_staff",
    # category: its projects (name, default hours, description[, False if retired])
    "categories": {
        "平安守护": (
            ("安全巡逻", "1.5", "晚间在齐河新村巡查，发现隐患及时报告。"),
            ("防诈骗宣传", "1.5", "向老年居民讲解常见诈骗手法。"),
        ),
        "邻里互助": (
            ("助老服务", "2.0", "看望独居老人，帮忙买菜、配药。"),
            ("义诊量血压", "2.0", "协助社区医生量血压、做登记。"),
            ("家电维修", "2.0", "修理小家电。"),
        ),
        "环境美化": (
            ("楼道清洁", "1.5", "清理楼道堆物、擦拭扶手。"),
            ("垃圾分类值守", "2.0", "定时定点值守，指导分类投放。"),
            ("绿化养护", "2.0", "修剪绿化、清理落叶。"),
        ),
        BASE_CATEGORY: (
            ("按时交纳党费", "0.5", "党员每月按时足额交纳党费。"),
            ("参加主题党日", "2.0", "参加每月主题党日活动。"),
        ),
    },
    # (name, (smallest, largest), gender it draws more of, specialty it draws more of)
    "teams": (
        ("巡逻队", (8, 14), "男", ""),
        ("环保志愿队", (8, 12), "女", ""),
    ),
    "series": (
        {"project": "安全巡逻", "title": "周五晚间安全巡逻", "kind": "team", "start": "19:00",
         "end": "20:30", "place": "齐河新村各楼栋", "size": (4, 8), "team": "巡逻队",
         "every_weeks": 4, "weekday": 4},
        {"project": "垃圾分类值守", "title": "垃圾分类值守", "kind": "team", "start": "07:00",
         "end": "09:00", "place": "齐河新村垃圾厢房", "size": (4, 6), "team": "环保志愿队",
         "every_weeks": 8, "weekday": 5},
        {"project": "义诊量血压", "title": "{month}月义诊量血压", "kind": "residents",
         "start": "08:30", "end": "10:30", "place": "齐河新村睦邻点", "size": (4, 6), "count": 3,
         "specialty": "量血压"},
        {"project": "楼道清洁", "title": "{group}楼道清洁", "kind": "group", "start": "08:00",
         "end": "09:30", "size": (4, 10), "count": 4},
        {"project": "助老服务", "title": "重阳节走访独居老人", "kind": "residents",
         "start": "09:00", "end": "11:00", "place": "独居老人家中", "size": (4, 8), "count": 1},
        {"project": "按时交纳党费", "title": "{month}月党费按时交纳", "kind": "dues",
         "start": "09:00", "end": "09:30", "place": "齐河新村睦邻点", "day_of_month": 10},
        {"project": "参加主题党日", "title": "{month}月主题党日", "kind": "party",
         "start": "09:00", "end": "11:00", "place": "齐河新村睦邻点", "size": (8, 16),
         "day_of_month": 20},
    ),
}
# fmt: on
