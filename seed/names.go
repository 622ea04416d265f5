package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Name pools. Community and compound names follow the district's own naming habits
// (roads, the steel works, Mongolian place names); none is meant as a real address.

var communityStems = strings.Fields(`乌兰 阿尔丁 鹿城 钢苑 团结 友谊 少先 林荫 胜利 青年 三八 富强 文化 民族
	和平 幸福 健康 光明 新光 华联 万达 天福 明日星城 奥林 恰特 昆工 白云 黄河 鞍山 前进 市府 凡尔丁
	呼得木林 红星 银河 北辰 滨河 馨园 丰景 佳地 科技 海德 赛音道 阳光 保利 惠民 工业 劳动 建设 钢花
	钢铁 公园 迎宾 体育场 南排 绿都 水岸 春阳 福安 安居 昌福 沼潭 锦绣 金沙 桃源 鑫泰 泰和 东方
	明珠 西园 少先东 团结东 友谊西 钢城 包钢一村 包钢二村 职工新村 三八东 富强西 长青 阿吉奈 赛罕
	都兰 巴彦 宝山 新星 民馨 凯旋 世纪 百兴 昌盛 华美`)

var villages = map[string][]string{
	"昆河镇":   strings.Fields(`南排村 召潭村 昆河村 乌兰计村 东胜庄村 新光村 哈达村 刘宝窑子村`),
	"卜尔汉图镇": strings.Fields(`莎木佳村 西壕口村 边墙壕村 阿嘎如泰村 昆都仑召村 卜尔汉图村 新建村 乌兰不浪村`),
}

var compoundStems = strings.Fields(`钢城花园 阿尔丁小区 富强小区 青年路小区 华发新城 万郡大都城 保利花园 阳光小区
	友谊小区 团结小区 鹿城花园 奥林花园 海德花园 胜利小区 明日星城 钢花小区 馨园小区 丰景佳苑 佳地花园
	紫金华府 锦林花园 金茂豪庭 凯旋豪庭 丽日小区 恒大名都 碧桂园 绿地城 和发紫薇园 世纪华庭 银河广场
	华美小区 民馨家园 新星家园 林荫小区 少先小区 三八小区 白云小区 沼潭小区 鞍山小区 前进小区 职工新村
	包钢一村 包钢二村 工人新村 文化苑 春光小区 滨河湾 北辰家园 昆工家属院 铁路小区 电业小区 供电小区
	天福广场 惠民小区 安居小区 昌福小区 桃源小区 金沙小区 鑫泰家园 东方花园 劳动小区 建设小区 钢苑小区`)

var compoundVariants = []string{"", "", "", "一期", "二期", "北区", "南区", "东区", "西区"}

// Roads by lattice line, south to north and west to east: one every few quads.
var (
	roadsEW = strings.Fields(`南绕城路 黄河大街 乌兰道 团结大街 友谊大街 钢铁大街 阿尔丁大街 呼得木林大街
		凡尔丁大街 民族西路 包钢北路 昆北路 昆河大街 卜尔汉图路 北绕城公路`)
	roadsNS = strings.Fields(`昆河西路 昆河路 哈业胡同路 林荫路 少先路 白云路 市府东路 青年路 三八路 胜利路
		富强路 文化路 昆工路 鞍山道 前进道`)
)

const roadEvery, roadEveryNS = 7, 9

var surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文王李张刘陈杨赵王李张刘")

var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀华平刚英玉兰建国志海燕晓东红霞鹏飞俊斌宇辉亮峰婷雪梅琳凤德福文利鑫宏波浩凯慧")

var mongolNames = strings.Fields(`乌云其木格 巴特尔 斯琴高娃 额尔敦 苏日娜 那仁 其其格 萨仁 阿拉坦 图雅 朝鲁 格日勒`)

var mobilePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
	"153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "185", "186", "187", "188", "189"}

// namer hands out names without repeats where repeats would confuse (communities).
type namer struct {
	r      *rand.Rand
	stems  []string
	next   int
	byTown map[string]int
}

func newNamer(r *rand.Rand) *namer {
	stems := append([]string(nil), communityStems...)
	r.Shuffle(len(stems), func(a, b int) { stems[a], stems[b] = stems[b], stems[a] })
	return &namer{r: r, stems: stems, byTown: map[string]int{}}
}

func (n *namer) community(street *unit) string {
	if vs, ok := villages[street.name]; ok {
		k := n.byTown[street.name]
		n.byTown[street.name]++
		return vs[k%len(vs)]
	}
	s := n.stems[n.next%len(n.stems)]
	n.next++
	return s + "社区"
}

func (n *namer) person() string { return personName(n.r) }

func (n *namer) mobile() string { return mobile(n.r) }

func personName(r *rand.Rand) string {
	if chance(r, 0.06) {
		return pick(r, mongolNames)
	}
	name := string(pick(r, surnames)) + string(pick(r, givenChars))
	if chance(r, 0.6) {
		name += string(pick(r, givenChars))
	}
	return name
}

func mobile(r *rand.Rand) string {
	return fmt.Sprintf("%s%08d", pick(r, mobilePrefixes), r.IntN(100000000))
}

// landline is a Baotou (0472) office number.
func landline(r *rand.Rand) string {
	return fmt.Sprintf("0472-%d%06d", pick(r, []int{2, 5, 6, 7}), r.IntN(1000000))
}

// compound names the residential compound around quad (i,j): quads are grouped into
// blocks of 3×3 so neighbouring buildings share a compound, and the name depends only on
// the block, so buildings, cameras and incidents nearby agree on it.
func compound(i, j int) string {
	h := splitmix(uint64(baseSeed) ^ uint64(i/3)<<32 ^ uint64(j/3))
	return compoundStems[h%uint64(len(compoundStems))] + compoundVariants[(h>>20)%uint64(len(compoundVariants))]
}

// roadsNear returns the east-west and north-south roads closest to quad (i,j).
func roadsNear(i, j int) (string, string) {
	ew := clamp((j+roadEvery/2)/roadEvery, 0, len(roadsEW)-1)
	ns := clamp((i+roadEveryNS/2)/roadEveryNS, 0, len(roadsNS)-1)
	return roadsEW[ew], roadsNS[ns]
}

// houseNumber is a plausible door number along the nearer road of quad (i,j).
func houseNumber(i, j, sub int) int {
	return (i*4+j%roadEvery*37+sub)%299 + 1
}

var chineseDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// chineseNumber writes 1..99 the way grid and group names do: 三, 十二, 二十一.
func chineseNumber(n int) string {
	switch {
	case n <= 10:
		return chineseDigits[n]
	case n < 20:
		return "十" + chineseDigits[n%10]
	case n%10 == 0:
		return chineseDigits[n/10] + "十"
	default:
		return chineseDigits[n/10] + "十" + chineseDigits[n%10]
	}
}
