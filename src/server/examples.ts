/**
 * The example queries of README.md ("What you can ask"), which the IDE opens as its tabs.
 * Each answers with real numbers on the demo shop (`npm start`): they ask for relative
 * ranges, the example shopper and the example tags and segments. The README shows the same
 * texts; test/foundation/readme-examples.test.ts checks that both agree and runs each one.
 */
export interface ExampleQuery {
  /** The tab's name. */
  name: string;
  query: string;
}

const QUERIES: Array<[name: string, query: string]> = [
  [
    "Who is this shopper?",
    `# Who is this shopper? One profile across the WeChat mini program and the app.
{ userByIdentity(type: "phone", value: "13800138000") {
    id traits identities { type value } mergedFrom { userId mergedAt }
    tags { key value } segments { key } rfm { segment }
    orders(first: 5) { totalCount edges { node { orderId status totalAmount } } } } }`,
  ],
  [
    "Metrics by week and channel",
    `# Consistent numbers: the selection decides what is computed and grouped by.
{ metrics(timeRange: { last: "8w" }, grain: WEEK) {
    rows { time channel gmv conversionRate repurchaseRate churnRate } sql } }`,
  ],
  [
    "VIP share of last month",
    `# How much of last month's GMV came from VIPs? Tags and segments are dimensions.
{ metrics(timeRange: { named: "previous_month" }, grain: ALL) {
    rows { hasTag(key: "vip") buyers orders gmv aov } } }`,
  ],
  [
    "Funnel",
    `# Where do buyers drop out? The 30 days before today.
{ funnel(input: { timeRange: { last: "30d" }, steps: [
    { event: "product_view" }, { event: "add_to_cart" }, { event: "checkout_start" }, { event: "order_paid" } ] }) {
    steps { event count conversionFromPrevious medianTimeToConvertSeconds } } }`,
  ],
  [
    "Retention",
    `# Do first-time visitors come back to buy? Weekly cohorts of the last 6 weeks.
{ retention(input: { timeRange: { last: "6w" }, startEvent: "page_view", returnEvent: "order_paid",
    period: WEEK, periods: 4 }) {
    cohorts { start size values } average { percentages } } }`,
  ],
  [
    "Rules and segments",
    `# Rules: preview one, then read the segment defined by it.
{ previewRule(rule: """count(orders within 90d) >= 2 and not has_tag("vip")""") { valid matchingUsers }
  segment(key: "rising_repeaters") { name rule size members(first: 3) { edges { node { id traits } } } } }`,
  ],
  [
    "RFM",
    `# Who are the customers? RFM segments of the last year.
{ rfm { customers segments { name users share avgMonetary } } }`,
  ],
  [
    "Recommendations",
    `# What should shopper 1 see next? Item-to-item filtering from views and purchases.
{ recommendations(userId: "1", first: 5) {
    product { productId name category similar(first: 3) { product { name } score } }
    score reason { kind segment because { name } } } }`,
  ],
  [
    "Bought together",
    `# What is bought together? Categories in at least 1 % of the last 60 days' baskets.
{ associationRules(input: { level: CATEGORY, minSupport: 0.01, minConfidence: 0.05,
    timeRange: { last: "60d" }, first: 5 }) {
    transactions totalRules rules { lhs rhs support confidence lift count } } }`,
  ],
  [
    "Campaign against a holdout",
    `# What did the win-back SMS really change? Its treated arm against the 20 % holdout.
{ campaignResults(key: "winback_sms") { audience treated holdout sent openRate clickRate
    conversions { treated holdout } incrementalConversions incrementalRevenue
    lift ci95 { low high } pValue cost roi daily { day sent conversions { treated holdout } } } }`,
  ],
  [
    "Best send time",
    `# When is the example shopper most likely to read a message? Her hour beside the shop's heat map.
{ userByIdentity(type: "phone", value: "13800138000") {
    bestSendTime { dayOfWeek localHour confidence timezone events } }
  sendTimeDistribution { users priorStrength cells { dayOfWeek localHour users share activityShare } } }`,
  ],
];

export const EXAMPLE_QUERIES: ExampleQuery[] = QUERIES.map(([name, query]) => ({ name, query }));
