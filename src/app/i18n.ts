/**
 * Interface words in English and Simplified Chinese. Metric and dimension names are not here:
 * they come from the catalog's labels (`metricCatalog`, `dimensionCatalog`), so the dashboard
 * names a number exactly as the API, the CSV exports and the BI views do.
 */
export type Language = "en" | "zh";

const WORDS = {
  title: ["Stratum dashboard", "Stratum 数据看板"],
  overview: ["Overview", "概览"],
  pages: ["Pages", "页面"],
  funnel: ["Funnel", "漏斗"],
  retention: ["Retention", "留存"],
  rfm: ["RFM", "RFM 分析"],
  paths: ["Paths", "路径"],
  lifecycle: ["Lifecycle", "生命周期"],
  repurchase: ["Repurchase cycle", "复购周期"],
  segments: ["Segments", "分群"],
  segmentSizes: ["Segment sizes", "分群人数"],
  tagSizes: ["Users per tag", "各标签用户数"],
  tagOverlap: ["Tag overlap (users holding both)", "标签重叠（同时拥有两个标签的用户）"],
  noTags: ["No active tag yet.", "暂无启用的标签。"],
  historyDescription: [
    "Size history of {key}, {from} to {to}: {first} members at the start, {last} at the end",
    "{key} 的人数变化，{from} 至 {to}：开始 {first} 人，结束 {last} 人",
  ],
  range: ["Range", "时间范围"],
  last7d: ["Last 7 days", "最近 7 天"],
  last30d: ["Last 30 days", "最近 30 天"],
  last8w: ["Last 8 weeks", "最近 8 周"],
  thisMonth: ["This month", "本月"],
  previousMonth: ["Previous month", "上月"],
  segment: ["Segment", "分群"],
  everyone: ["Everyone", "全部用户"],
  compareTo: ["Compared with", "对比"],
  previousPeriod: ["previous period", "上一周期"],
  previousYear: ["previous year", "去年同期"],
  metric: ["Metric", "指标"],
  grain: ["Grain", "粒度"],
  split: ["Split by", "拆分维度"],
  noSplit: ["No split", "不拆分"],
  HOUR: ["Hour", "小时"],
  DAY: ["Day", "天"],
  WEEK: ["Week", "周"],
  MONTH: ["Month", "月"],
  trend: ["Trend", "趋势"],
  noPrevious: ["no comparison", "无对比"],
  users: ["Users", "用户数"],
  conversion: ["Conversion", "转化率"],
  fromStart: ["from start", "相对首步"],
  dropOff: ["Drop-off", "流失"],
  medianTime: ["Median time", "中位转化时间"],
  step: ["Step", "步骤"],
  experiments: ["Experiments", "实验"],
  prediction: ["Prediction", "预测"],
  model: ["Purchase model", "购买模型"],
  modelHint: [
    "Name a purchase model fitted with `stratum fit KEY` or fitPurchaseModel.",
    "请输入用 `stratum fit KEY` 或 fitPurchaseModel 拟合的购买模型名称。",
  ],
  noModel: ['No purchase model "{key}".', "没有名为「{key}」的购买模型。"],
  holdoutCheck: ["Holdout: predicted and actual repeat orders", "留出期：预测与实际复购次数"],
  riskBands: ["Buyers by churn-risk band", "各流失风险等级的购买人数"],
  calibrationByBand: [
    "Calibration by risk band: repeat purchases per customer over the holdout",
    "按风险等级校准：留出期人均复购次数",
  ],
  perCustomer: ["per customer", "人均"],
  predicted: ["Predicted", "预测"],
  actual: ["Actual", "实际"],
  buyersInRange: ["Buyers in range", "范围内购买人数"],
  low: ["Low", "低"],
  medium: ["Medium", "中"],
  high: ["High", "高"],
  calibrationEnd: ["Calibration end", "校准截止"],
  repeat: ["repeat", "复购"],
  holdoutTotals: ["Predicted / actual since calibration", "校准后预测 / 实际"],
  riskThresholds: ["Risk thresholds (medium / high)", "风险阈值（中 / 高）"],
  campaigns: ["Campaigns", "营销活动"],
  campaign: ["Campaign", "活动"],
  noCampaigns: ["No launched campaign yet.", "暂无已发布的营销活动。"],
  daily: ["Day by day", "每日"],
  treated: ["Treated", "触达组"],
  holdout: ["Holdout", "留出组"],
  audience: ["Audience", "受众"],
  sent: ["Sent", "发送"],
  delivered: ["Delivered", "送达"],
  opened: ["Opened", "打开"],
  clicked: ["Clicked", "点击"],
  incrementalConversions: ["Incremental conversions", "增量转化"],
  incrementalRevenue: ["Incremental revenue", "增量收入"],
  cost: ["Cost", "成本"],
  liftOverHoldout: ["Lift over holdout, 95 % interval", "相对留出组的提升（95% 置信区间）"],
  holdoutTouched: [
    "{count} holdout members were sent the campaign anyway: the lift is biased.",
    "{count} 位留出组成员仍收到了活动：提升结果有偏差。",
  ],
  experiment: ["Experiment", "实验"],
  secondaryMetrics: ["Secondary metrics", "次要指标"],
  variant: ["Variant", "实验组"],
  perUnitControl: ["Per unit, control", "对照组人均"],
  perUnitVariant: ["Per unit, variant", "实验组人均"],
  absoluteLiftInterval: ["Lift (95 % interval)", "提升（95% 置信区间）"],
  relativeLift: ["Relative lift", "相对提升"],
  relativeLiftInterval: ["Relative lift (95 % interval)", "相对提升（95% 置信区间）"],
  adjustedP: ["p (Holm)", "p（Holm 校正）"],
  noExperiments: ["No active experiment yet.", "暂无进行中的实验。"],
  conversions: ["Conversions", "转化数"],
  lift: ["Lift", "提升"],
  liftInterval: ["Lift over control, 95 % interval", "相对对照组的提升（95% 置信区间）"],
  srmWarning: [
    "Sample ratio mismatch (χ² {chi}, p = {p}): the split is broken, do not trust these results.",
    "样本比例不匹配（χ² {chi}，p = {p}）：分流异常，结果不可信。",
  ],
  sampleSize: [
    "Units needed per variant for the minimum detectable effect: {size}",
    "检测最小可检测效应所需的每组样本量：{size}",
  ],
  breakdown: ["Breakdown", "拆分"],
  timeToConvert: ["Time to convert, users per step", "各步骤转化用时分布（用户数）"],
  timeFromPrevious: ["Time from the previous step", "距上一步用时"],
  minutes: ["min", "分钟"],
  hours: ["h", "小时"],
  daysShort: ["d", "天"],
  cohort: ["Cohort", "同期群"],
  size: ["Size", "人数"],
  period: ["Period", "周期"],
  event: ["Event", "事件"],
  average: ["Average", "平均"],
  recency: ["Recency score (R)", "最近购买得分 (R)"],
  frequency: ["Frequency score (F)", "购买频次得分 (F)"],
  customers: ["Customers", "客户数"],
  share: ["Share", "占比"],
  avgMonetary: ["Average spend", "平均消费"],
  rfmSegment: ["RFM segment", "RFM 分群"],
  new: ["New", "新增"],
  returning: ["Returning", "回访"],
  resurrecting: ["Resurrecting", "回流"],
  dormant: ["Dormant", "沉睡"],
  days: ["Days to next order", "距下次下单天数"],
  intervals: ["Intervals", "间隔数"],
  median: ["Median", "中位数"],
  quartiles: ["Quartiles", "四分位"],
  name: ["Name", "名称"],
  kind: ["Kind", "类型"],
  category: ["Category", "类别"],
  refreshedAt: ["Refreshed", "刷新时间"],
  tags: ["Tags", "标签"],
  members: ["Members", "成员"],
  overlap: ["Overlap (users in both)", "重叠（同时属于两个分群的用户）"],
  sizeHistory: ["Size history", "人数变化"],
  id: ["Id", "ID"],
  city: ["City", "城市"],
  phone: ["Phone", "手机号"],
  email: ["Email", "邮箱"],
  lastSeen: ["Last seen", "最近活跃"],
  previous: ["Previous", "上一页"],
  next: ["Next", "下一页"],
  pageOf: ["{from}–{to} of {total}", "第 {from}–{to} 条，共 {total} 条"],
  ruleEditor: ["Rule editor", "规则编辑器"],
  ruleHint: [
    "Type a rule; it is checked and counted as you type, nothing is saved.",
    "输入规则，实时校验并计数，不会保存。",
  ],
  matching: ["{count} matching users", "{count} 位用户符合"],
  checking: ["Checking…", "校验中…"],
  lineColumn: ["line {line}, column {column}", "第 {line} 行，第 {column} 列"],
  apiKey: ["API key", "API 密钥"],
  keyPrompt: [
    "Enter an API key of this Stratum server. It is kept in this browser tab only, unless you ask to remember it.",
    "请输入本 Stratum 服务的 API 密钥。默认仅保存在当前标签页。",
  ],
  remember: ["Remember on this device", "在此设备上记住"],
  open: ["Open", "打开"],
  forget: ["Forget key", "忘记密钥"],
  keyRefused: ["The server refused this key.", "服务器拒绝了此密钥。"],
  loading: ["Loading…", "加载中…"],
  empty: ["No data in this range", "此范围内无数据"],
  error: ["Could not load: {message}", "加载失败：{message}"],
} as const satisfies Record<string, readonly [string, string]>;

export type Word = keyof typeof WORDS;

const LANGUAGE_KEY = "stratum.language";

let current: Language =
  (localStorage.getItem(LANGUAGE_KEY) as Language | null) ??
  (navigator.language.startsWith("zh") ? "zh" : "en");

export const language = (): Language => current;

export function setLanguage(next: Language): void {
  current = next;
  localStorage.setItem(LANGUAGE_KEY, next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
}

/** The word in the current language, `{name}` placeholders filled from `values`. */
export function t(word: Word, values: Record<string, string | number> = {}): string {
  const text: string = WORDS[word][current === "zh" ? 1 : 0];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ""));
}

/** A catalog label in the current language. */
export const label = (labels: { en: string; zh: string }): string =>
  current === "zh" ? labels.zh : labels.en;

/** RFM segment names as `rfm(...)` reports them (`RFM_SEGMENTS` in src/semantic/rfm.ts). */
const RFM_SEGMENT_NAMES: Record<string, readonly [string, string]> = {
  champions: ["Champions", "重要价值客户"],
  loyal_customers: ["Loyal customers", "忠诚客户"],
  potential_loyalists: ["Potential loyalists", "潜力客户"],
  new_customers: ["New customers", "新客户"],
  promising: ["Promising", "有潜力新客"],
  need_attention: ["Need attention", "需要关注"],
  about_to_sleep: ["About to sleep", "即将沉睡"],
  at_risk: ["At risk", "流失风险"],
  cannot_lose_them: ["Cannot lose them", "不能失去的客户"],
  hibernating: ["Hibernating", "沉睡客户"],
};

export const rfmSegmentName = (name: string): string =>
  RFM_SEGMENT_NAMES[name]?.[current === "zh" ? 1 : 0] ?? name;

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A number in the current language, by catalog unit: COUNT, CURRENCY or RATIO (a 0–1 fraction). */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return "–";
  const locale = current === "zh" ? "zh-CN" : "en-US";
  // Ratios as percentages; small amounts (an AOV) keep their cents, large ones do not need them.
  const digits = unit === "RATIO" ? 1 : unit === "CURRENCY" && Math.abs(value) < 1000 ? 2 : 0;
  const key = `${locale}:${unit}:${digits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      style: unit === "RATIO" ? "percent" : "decimal",
      maximumFractionDigits: digits,
    });
    numberFormats.set(key, format);
  }
  return format.format(value);
}

/** A change as a signed percentage, e.g. +12.5 %. */
export function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined) return t("noPrevious");
  const locale = current === "zh" ? "zh-CN" : "en-US";
  return new Intl.NumberFormat(locale, {
    style: "percent",
    maximumFractionDigits: 1,
    signDisplay: "exceptZero",
  }).format(change);
}
