"""Reference tables behind :mod:`hub.demo`: departments, regions, industries, names.

Kept apart from the generator so the tables read as data. Every table is a tuple (never a set) so
that iterating it is ordered and the generated data stays reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

JIAXIAN = "410425"  # 郏县, the county whose credit office runs the demo hub
LOCAL_PLATFORM = "henan-jiaxian"  # records pushed by 郏县 departments
PROVINCE_PLATFORM = "henan-province"  # data pushed down from the national/provincial platform


@dataclass(frozen=True)
class Dept:
    suffix: str  # code is f"{JIAXIAN}-{suffix}": short pinyin initials, stable and unique
    name: str
    domains: tuple[str, ...]
    doc_prefix: str  # 行政处罚决定书文号 prefix, e.g. 郏市监罚〔2024〕37号


# Seed 000 附件 《县直单位分级分类监管领域分工》, all 26 in the annex's order. The OCR of the seed drops
# "市" ("场主体" → 市场主体, "城管理" → 城市管理, "文化和旅游场" → 文化和旅游市场, "水利场" → 水利市场)
# and doubles "领域" (能源节约领域领域); the names below are corrected.
DEPARTMENTS: tuple[Dept, ...] = (
    Dept("SCJG", "市场监管局", ("食品", "药品", "医疗器材", "市场主体"), "郏市监"),
    Dept("WGL", "文广旅局", ("文化和旅游市场",), "郏文旅"),
    Dept("WJW", "卫生健康委", ("卫生场所", "医疗机构"), "郏卫健"),
    Dept("ZJ", "住建局", ("住房建设", "物业管理"), "郏建"),
    Dept("JT", "交通运输局", ("交通运输",), "郏交"),
    Dept("YC", "烟草局", ("卷烟零售户",), "郏烟"),
    Dept("RS", "人力资源和社会保障局", ("人力资源", "劳动用工"), "郏人社"),
    Dept("JR", "金融工作局", ("地方金融组织",), "郏金融"),
    Dept("SW", "税务局", ("纳税主体",), "郏税"),
    Dept("GA", "公安局", ("所有执法和管理相对人",), "郏公"),
    Dept("JY", "教育局", ("民办教育机构", "教师"), "郏教"),
    Dept("MZ", "民政局", ("社会组织",), "郏民"),
    Dept("YJ", "应急管理局", ("应急管理行业",), "郏应急"),
    Dept("NY", "农业农村局", ("农业市场主体",), "郏农"),
    Dept("ZRZY", "自然资源和规划局", ("测绘地理信息行业",), "郏自然资源"),
    Dept("SF", "司法局", ("法律服务机构（人员）",), "郏司"),
    Dept("SHW", "商务局", ("会展业", "商贸流通"), "郏商务"),
    Dept("STHJ", "生态环境局", ("环保",), "郏环"),
    Dept("SL", "水利局", ("水利市场",), "郏水"),
    Dept("CG", "城管局", ("城市管理",), "郏城管"),
    Dept("GXJ", "工业和信息化局", ("能源节约",), "郏工信"),
    Dept("LY", "林业局", ("林业管理涉及相对人",), "郏林"),
    Dept("RF", "人防办", ("人防行业从业人员",), "郏人防"),
    Dept("YB", "医疗保障局", ("定点医疗机构",), "郏医保"),
    Dept("TJ", "统计局", ("统计行业",), "郏统"),
    Dept("YZ", "邮政管理局", ("快递企业及其网点",), "郏邮管"),
)
DEPT_BY_SUFFIX = {dept.suffix: dept for dept in DEPARTMENTS}

# Evaluating bodies elsewhere are named "<city><title>"; titles by the regulator's suffix.
DEPT_TITLES = {"SCJG": "市场监督管理局", "ZJ": "住房和城乡建设局", "JT": "交通运输局",
               "WJW": "卫生健康委员会", "JY": "教育局", "NY": "农业农村局", "WGL": "文化和旅游局",
               "YZ": "邮政管理局", "YJ": "应急管理局", "JR": "地方金融监督管理局"}


@dataclass(frozen=True)
class Region:
    code: str  # GB/T 2260
    prefix: str  # how local subject names start
    province: str  # how province-registered enterprise names start
    weight: int
    towns: tuple[str, ...]  # 乡镇街道 (or districts) used in names of shops and institutions
    id_prefixes: tuple[str, ...]  # resident-ID regions of local people; the first is the usual one
    court: tuple[str, str]  # (case-number code, court) for 失信被执行人


# The regions the seeds come from (SPEC §2.6). Most subjects are 郏县's own; the others are
# registered elsewhere but operate in 郏县 (projects, transport, chains), so 郏县 departments
# regulate them and their home platforms share their evaluations ("谁评价谁共享", seeds 001, 002).
REGIONS: tuple[Region, ...] = (
    Region("410425", "郏县", "河南", 70,
           ("龙山街道", "东城街道", "冢头镇", "安良镇", "堂街镇", "薛店镇", "长桥镇", "茨芭镇",
            "黄道镇", "李口镇", "广阔天地乡", "王集乡", "姚庄回族乡", "白庙乡", "渣园乡"),
           ("410425", "410422", "410482"), ("豫0425", "郏县人民法院")),
    Region("410400", "平顶山市", "河南", 12, ("新华区", "卫东区", "湛河区", "石龙区"),
           ("410402", "410403", "410411", "410404"), ("豫04", "平顶山市中级人民法院")),
    Region("411622", "西华县", "河南", 5,
           ("西华营镇", "址坊镇", "红花集镇", "聂堆镇", "东夏亭镇", "逍遥镇", "黄桥乡"),
           ("411622", "411602"), ("豫1622", "西华县人民法院")),
    Region("350582", "晋江市", "福建", 5,
           ("青阳街道", "梅岭街道", "安海镇", "磁灶镇", "陈埭镇", "池店镇", "深沪镇", "金井镇"),
           ("350582", "350583"), ("闽0582", "晋江市人民法院")),
    Region("230400", "鹤岗市", "黑龙江", 4, ("向阳区", "工农区", "南山区", "兴安区", "东山区"),
           ("230402", "230403", "230404", "230406"), ("黑04", "鹤岗市中级人民法院")),
    Region("140624", "怀仁市", "山西", 4, ("云中镇", "吴家窑镇", "金沙滩镇", "毛家皂镇", "何家堡乡"),
           ("140624", "140602"), ("晋0624", "怀仁市人民法院")),
)

# Positions 1–2 of the code (GB 32100) and how often each appears.
KIND_WEIGHTS: tuple[tuple[str, int], ...] = (("91", 70), ("92", 18), ("93", 5), ("52", 4), ("12", 3))
MARKET_ENTITIES = ("91", "92", "93")  # 市场主体: on the abnormal-operation list, inspected by SAMR


@dataclass(frozen=True)
class Licence:
    title: str
    number: str  # str.format template: {region} {n} {year} {kind} (1 enterprise / 2 individual)
    content: str
    dept: str
    share: float = 1.0  # how many subjects of the industry hold it
    prefixes: tuple[str, ...] = ("91", "92", "93", "52")
    repeat: int = 1  # at most this many in five years (e.g. one 施工许可 per project)


@dataclass(frozen=True)
class Industry:
    name: str
    regulator: str
    weight: int
    names: dict[str, tuple[str, ...]]  # kind prefix → name endings (12: whole unit names after the town)
    licences: tuple[Licence, ...]
    inspections: tuple[tuple[str, str], ...]  # (title, dept)
    violations: tuple[tuple[str, str, str], ...]  # (违法行为, 处罚依据, dept)
    complaints: tuple[str, ...]
    incident: tuple[str, str] | None = None  # (title, dept)
    honor: tuple[str, str] | None = None
    scheme: str | None = None  # the 郏县 department's own industry evaluation, if any


_FOOD_LAW = "《中华人民共和国食品安全法》"
_SAFETY_LAW = "《中华人民共和国安全生产法》"
_JY = Licence("食品经营许可", "JY{kind}{region}{n:07d}", "经营项目：预包装食品销售，热食类食品制售；有效期五年",
              "SCJG")

INDUSTRIES: tuple[Industry, ...] = (
    Industry("餐饮", "SCJG", 14,
             {"91": ("餐饮管理有限公司", "餐饮服务有限公司", "酒店管理有限公司"),
              "92": ("饸饹面馆", "饭店", "小吃店", "烩面馆", "快餐店", "羊肉汤馆")},
             (_JY,), (("餐饮服务食品安全监督检查", "SCJG"), ("食品安全“双随机、一公开”抽查", "SCJG")),
             (("餐具饮具未按规定清洗消毒", _FOOD_LAW, "SCJG"),
              ("经营超过保质期的食品原料", _FOOD_LAW, "SCJG"),
              ("从业人员未取得健康证明从事接触直接入口食品的工作", _FOOD_LAW, "SCJG"),
              ("店外占道经营", "《城市市容和环境卫生管理条例》", "CG")),
             ("就餐环境卫生差", "食品中发现异物", "价格与菜单标示不符"),
             ("疑似食源性疾病事件", "SCJG"), ("餐饮服务食品安全示范店", "SCJG"), "food"),
    Industry("食品生产", "SCJG", 6,
             {"91": ("食品有限公司", "食品科技有限公司", "粮油食品有限公司"),
              "92": ("食品加工坊", "豆制品加工坊")},
             (Licence("食品生产许可", "SC106{region}{n:05d}", "食品类别：粮食加工品、方便食品；有效期五年",
                      "SCJG"),),
             (("食品生产企业监督检查", "SCJG"), ("食品安全监督抽检", "SCJG")),
             (("生产的食品标签不符合规定", _FOOD_LAW, "SCJG"),
              ("未按规定进行出厂检验", _FOOD_LAW, "SCJG"),
              ("生产不符合食品安全标准的食品", _FOOD_LAW, "SCJG"),
              ("未经许可取用地下水", "《取水许可和水资源费征收管理条例》", "SL"),
              ("超过单位产品能耗限额标准用能", "《中华人民共和国节约能源法》", "GXJ"),
              ("生产废水未经处理直接排放", "《中华人民共和国水污染防治法》", "STHJ")),
             ("产品质量问题", "生产异味扰民"), ("食品质量安全事故", "SCJG"), None, "food"),
    Industry("药品零售", "SCJG", 5,
             {"91": ("大药房有限公司", "医药连锁有限公司"), "92": ("大药房", "药店", "诊所药房")},
             (Licence("药品经营许可", "豫DA{n:07d}", "经营范围：中成药、化学药制剂、生物制品；有效期五年",
                      "SCJG"),),
             (("药品经营质量管理规范检查", "SCJG"), ("药品质量抽检", "SCJG")),
             (("未凭处方销售处方药", "《药品经营和使用质量监督管理办法》", "SCJG"),
              ("销售劣药", "《中华人民共和国药品管理法》", "SCJG"),
              ("违规使用医保基金", "《医疗保障基金使用监督管理条例》", "YB")),
             ("销售过期药品", "药品价格虚高")),
    Industry("建筑施工", "ZJ", 10,
             {"91": ("建筑工程有限公司", "建设工程有限公司", "建筑安装工程有限公司", "市政工程有限公司")},
             (Licence("建筑业企业资质", "D341{n:06d}", "施工总承包三级资质", "ZJ", prefixes=("91",)),
              Licence("建筑工程施工许可", "{region}{year}{n:04d}0101", "工程规模：框架结构，建筑面积约一万平方米",
                      "ZJ", prefixes=("91",), repeat=3)),
             (("建筑施工安全生产检查", "ZJ"), ("建设工程质量监督检查", "ZJ"),
              ("建设工程领域农民工工资支付检查", "RS")),
             (("未取得施工许可证擅自施工", "《建筑工程施工许可管理办法》", "ZJ"),
              ("施工现场未落实扬尘污染防治措施", "《中华人民共和国大气污染防治法》", "STHJ"),
              ("拖欠农民工工资", "《保障农民工工资支付条例》", "RS"),
              ("违反工程建设强制性标准", "《建设工程质量管理条例》", "ZJ"),
              ("未按规定修建防空地下室", "《中华人民共和国人民防空法》", "RF")),
             ("施工噪声扰民", "拖欠农民工工资"), ("生产安全事故（高处坠落）", "YJ"),
             ("安全文明标准化工地", "ZJ"), "construction"),
    Industry("道路运输", "JT", 7,
             {"91": ("运输有限公司", "物流有限公司", "汽车运输有限公司"), "92": ("货运部", "物流配送部")},
             (Licence("道路运输经营许可", "豫交运管许可平字{region}{n:06d}号", "经营范围：道路普通货物运输",
                      "JT"),),
             (("道路运输企业安全生产检查", "JT"), ("营运车辆年度审验", "JT")),
             (("货运车辆超限运输", "《公路安全保护条例》", "JT"),
              ("驾驶员未取得从业资格证从事道路运输经营", "《中华人民共和国道路运输条例》", "JT"),
              ("未按规定开展安全生产教育和培训", _SAFETY_LAW, "YJ")),
             ("货物运输延误损毁",), ("道路交通安全事故", "YJ")),
    Industry("物业服务", "ZJ", 4,
             {"91": ("物业服务有限公司", "物业管理有限公司")}, (),
             (("物业服务质量检查", "ZJ"), ("住宅小区安全隐患排查", "YJ")),
             (("未按规定公示物业服务收费标准", "《物业管理条例》", "ZJ"),
              ("擅自改变物业管理用房用途", "《物业管理条例》", "ZJ")),
             ("物业服务收费不透明", "小区公共设施维修不及时"), None, None, "construction"),
    Industry("特种设备", "SCJG", 3,
             {"91": ("电梯工程有限公司", "起重设备有限公司", "锅炉安装有限公司")},
             (Licence("特种设备安装改造修理许可", "TS3341{n:06d}", "许可项目：曳引驱动乘客电梯安装、修理",
                      "SCJG"),),
             (("特种设备安全监督检查", "SCJG"),),
             (("使用未经定期检验的特种设备", "《中华人民共和国特种设备安全法》", "SCJG"),
              ("特种设备作业人员未持证上岗", "《中华人民共和国特种设备安全法》", "SCJG")),
             ("电梯困人故障",), ("特种设备事故", "SCJG")),
    Industry("批发零售", "SCJG", 18,
             {"91": ("商贸有限公司", "贸易有限公司", "百货有限公司"),
              "92": ("便利店", "超市", "百货商店", "日用品店", "烟酒店")},
             (_JY, Licence("烟草专卖零售许可", "{region}{n:06d}", "经营范围：卷烟、雪茄烟零售", "YC", 0.5)),
             (("产品质量监督抽查", "SCJG"), ("卷烟零售户日常检查", "YC")),
             (("销售不合格产品", "《中华人民共和国产品质量法》", "SCJG"),
              ("未按规定明码标价", "《明码标价和禁止价格欺诈规定》", "SCJG"),
              ("无证销售卷烟", "《中华人民共和国烟草专卖法实施条例》", "YC"),
              ("店外占道经营", "《城市市容和环境卫生管理条例》", "CG")),
             ("商品质量问题", "缺斤短两", "拒绝退换货"), None, ("诚信经营示范店", "SCJG"), "food"),
    Industry("农业", "NY", 8,
             {"91": ("农业科技有限公司", "农业发展有限公司", "生态农业有限公司"),
              "93": ("种植专业合作社", "养殖专业合作社", "农机专业合作社", "烟叶种植专业合作社"),
              "12": ("农业技术推广站", "畜牧兽医站")},
             (Licence("农药经营许可", "农药经许（豫）{region}{n:05d}", "经营范围：农药（不含限制使用农药）",
                      "NY", 0.6),
              Licence("动物防疫条件合格", "（豫）动防合字第{region}{n:04d}号", "场所类型：畜禽养殖场", "NY", 0.4)),
             (("农资市场监督检查", "NY"), ("农产品质量安全监督抽查", "NY")),
             (("经营假劣农药", "《农药管理条例》", "NY"),
              ("未按规定建立农药经营台账", "《农药管理条例》", "NY"),
              ("畜禽养殖废弃物未经无害化处理直接排放", "《畜禽规模养殖污染防治条例》", "STHJ"),
              ("未经批准占用林地", "《中华人民共和国森林法》", "LY"),
              ("未经批准占用耕地建设", "《中华人民共和国土地管理法》", "ZRZY")),
             ("农资质量问题",), None, ("农民专业合作社示范社", "NY")),
    Industry("生活服务", "WJW", 6,
             {"91": ("宾馆有限公司", "洗浴服务有限公司"), "92": ("理发店", "美发店", "宾馆", "足浴店")},
             (Licence("公共场所卫生许可", "郏卫公证字〔{year}〕第{n:05d}号", "许可项目：住宿、美容美发场所",
                      "WJW"),),
             (("公共场所卫生监督检查", "WJW"),),
             (("从业人员未取得有效健康合格证明", "《公共场所卫生管理条例》", "WJW"),
              ("未按规定对顾客用品用具进行清洗消毒", "《公共场所卫生管理条例实施细则》", "WJW"),
              ("未按规定登记住宿旅客信息", "《旅馆业治安管理办法》", "GA")),
             ("卫生条件差", "服务收费争议")),
    Industry("医疗服务", "WJW", 4,
             {"91": ("医疗管理有限公司",), "92": ("诊所", "口腔诊所", "中医诊所"),
              "52": ("医院", "康复医院", "中医院"), "12": ("卫生院",)},
             (Licence("医疗机构执业许可", "PDY{n:05d}{region}17A1001", "诊疗科目：内科、外科、中医科",
                      "WJW", prefixes=("91", "92", "52", "12")),),
             (("医疗机构依法执业监督检查", "WJW"), ("定点医疗机构医保基金使用检查", "YB")),
             (("使用非卫生技术人员从事医疗卫生技术工作", "《医疗机构管理条例》", "WJW"),
              ("违规使用医保基金", "《医疗保障基金使用监督管理条例》", "YB")),
             ("医疗服务态度差", "收费不透明")),
    Industry("教育培训", "JY", 3,
             {"91": ("教育咨询有限公司", "文化传播有限公司"), "52": ("培训学校", "幼儿园", "职业培训学校"),
              "12": ("中心学校", "中心幼儿园")},
             (Licence("民办学校办学许可", "教民{region}{n:07d}号", "办学内容：文化艺术培训", "JY",
                      prefixes=("52",)),),
             (("民办学校年度检查", "JY"), ("校外培训机构专项检查", "JY")),
             (("超出办学许可范围招收学员", "《中华人民共和国民办教育促进法》", "JY"),
              ("未按规定公示收费项目", "《中华人民共和国民办教育促进法实施条例》", "JY"),
              ("未按规定参加年度检查", "《民办非企业单位登记管理暂行条例》", "MZ")),
             ("退费纠纷",)),
    Industry("文化旅游", "WGL", 4,
             {"91": ("旅行社有限公司", "文化传媒有限公司", "娱乐有限公司"), "92": ("网吧", "歌舞厅"),
              "12": ("文化站",)},
             (Licence("娱乐经营许可", "{region}{n:06d}", "经营范围：歌舞娱乐场所", "WGL", 0.6),),
             (("文化市场综合执法检查", "WGL"),),
             (("接纳未成年人进入营业性娱乐场所", "《娱乐场所管理条例》", "WGL"),
              ("旅行社未与旅游者签订旅游合同", "《中华人民共和国旅游法》", "WGL")),
             ("噪声扰民", "旅游合同纠纷")),
    Industry("快递", "YZ", 3,
             {"91": ("快递有限公司", "速递服务有限公司"), "92": ("快递服务部",)},
             (Licence("快递业务经营许可", "豫邮{n:06d}", "经营范围：国内快递（邮政企业专营业务除外）", "YZ"),),
             (("快递市场监督检查", "YZ"),),
             (("未按规定实行收寄实名制", "《快递暂行条例》", "YZ"),
              ("未按规定进行收寄验视", "《快递暂行条例》", "YZ")),
             ("快件丢失损毁", "快件延误")),
    Industry("危险化学品", "YJ", 2,
             {"91": ("化工有限公司", "化工产品销售有限公司")},
             (Licence("危险化学品经营许可", "豫平危化经字〔{year}〕{region}{n:04d}", "经营品种：汽油、柴油、液化石油气",
                      "YJ"),),
             (("危险化学品安全专项检查", "YJ"),),
             (("未建立事故隐患排查治理制度", _SAFETY_LAW, "YJ"),
              ("未按规定开展安全生产教育和培训", _SAFETY_LAW, "YJ")),
             ("异味扰民",), ("危险化学品泄漏事故", "YJ"), ("安全生产标准化三级企业", "YJ")),
    Industry("地方金融", "JR", 1,
             {"91": ("小额贷款有限公司", "融资担保有限公司")},
             (Licence("融资担保业务经营许可", "豫{n:06d}", "业务范围：借款类担保", "JR"),),
             (("地方金融组织现场检查", "JR"),),
             (("未按规定报送经营数据", "《河南省地方金融监督管理条例》", "JR"),),
             ("暴力催收",)),
)

# Violations any employer or taxpayer may commit, and the inspections every market entity sees.
GENERIC_VIOLATIONS: tuple[tuple[str, str, str], ...] = (
    ("未按规定期限办理纳税申报", "《中华人民共和国税收征收管理法》", "SW"),
    ("未依法为职工缴纳社会保险费", "《中华人民共和国社会保险法》", "RS"),
    ("发布虚假广告", "《中华人民共和国广告法》", "SCJG"),
    ("提供不真实统计资料", "《中华人民共和国统计法》", "TJ"),
)
GENERIC_INSPECTIONS: tuple[tuple[str, str], ...] = (
    ("企业年度报告公示信息抽查", "SCJG"), ("劳动保障监察", "RS"), ("统计执法检查", "TJ"),
)
GENERIC_HONORS: dict[str, tuple[tuple[str, str], ...]] = {
    "91": (("守合同重信用企业", "SCJG"), ("纳税信用A级纳税人", "SW")),
    "92": (("诚信经营示范店", "SCJG"),),
    "93": (("纳税信用A级纳税人", "SW"),),
    "52": (("社会组织等级评估4A", "MZ"),),
    "12": (("先进单位", "RS"),),
}
# The list a subject joins follows the department that imposed the serious penalty behind it.
DISHONESTY_LISTS = {
    "RS": "列入拖欠农民工工资失信联合惩戒对象名单",
    "SW": "列入重大税收违法失信主体名单",
    "YJ": "列入安全生产严重失信主体名单",
    "SCJG": "列入市场监督管理严重违法失信名单",
}

# 字号 characters; two make a trade name (鑫源, 宏达…).
BRAND_CHARS = tuple("鑫源宏达恒信华瑞金鼎盛隆泰祥安康丰顺德佳和兴旺福嘉豪创博润远辉腾凯诚益汇永晟昌"
                    "聚茂荣新天宇正百万君明晨峰亿通利合众伟豫鸿锦森浩")
SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁蒋杜魏吕"
                 "丁任姚崔范贾付侯闫史常牛孟白乔耿")
SURNAME_WEIGHTS = tuple([9, 8, 8, 6, 5, 4, 3, 3, 3, 3] + [2] * (len(SURNAMES) - 10))
MALE_NAMES = ("建国", "建军", "国强", "志强", "伟", "磊", "勇", "军", "强", "涛", "明", "超", "辉",
              "刚", "鹏", "浩", "俊杰", "海涛", "红军", "卫东", "振华", "永刚", "学军", "晓东",
              "建伟", "国庆", "文斌", "志刚", "宏伟", "保国", "新民", "建设", "国栋", "长青")
FEMALE_NAMES = ("秀英", "桂英", "红梅", "丽", "芳", "娜", "敏", "静", "艳", "娟", "霞", "玲", "燕",
                "丽娟", "秀兰", "桂兰", "晓红", "春霞", "海燕", "玉兰", "淑珍", "雪梅", "慧", "婷")

BANKS = ("中国工商银行郏县支行", "中国农业银行郏县支行", "中国建设银行郏县支行",
         "中国邮政储蓄银行郏县支行", "平顶山银行郏县支行", "郏县农村商业银行")
AGENCIES = ("郏县市场监督管理局", "国家税务总局郏县税务局", "郏县住房和城乡建设局",
            "郏县交通运输局", "郏县卫生健康委员会", "郏县应急管理局")
PLATFORMS = ("郏县公共信用信息平台", "平顶山市公共信用信息平台", "河南省公共信用信息平台")
CREDIT_OFFICE = "郏县社会信用体系建设领导小组办公室"
