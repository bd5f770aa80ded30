import { DIMENSIONS, dimensionAppliesTo } from "./dimensions";
import { factsOfMeasure } from "./measures";
import type { FactKey, MeasureKey, Metric, MetricDeclaration, MetricDefinition } from "./types";

/** The measures a metric definition reads (churn and conversion have their own plans). */
export function measuresOf(definition: MetricDefinition): MeasureKey[] {
  switch (definition.kind) {
    case "SIMPLE":
      return [definition.measure];
    case "RATIO":
      return [definition.numerator, definition.denominator];
    case "DERIVED":
      return [definition.minuend, definition.subtrahend];
    case "CHURN":
    case "CONVERSION":
      return [];
  }
}

function factsOf(definition: MetricDefinition): FactKey[] {
  if (definition.kind === "CHURN") return ["orders"];
  if (definition.kind === "CONVERSION") return ["events"];
  return [...new Set(measuresOf(definition).flatMap(factsOfMeasure))];
}

export const camelCase = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Derives the GraphQL field, the facts read and the supported dimensions of a declaration. */
export function defineMetric(declaration: MetricDeclaration): Metric {
  if (!/^[a-z][a-z0-9_]*$/.test(declaration.key))
    throw new Error(`metric key ${declaration.key} is not snake_case`);
  const facts = factsOf(declaration.definition);
  return {
    ...declaration,
    field: camelCase(declaration.key),
    facts,
    dimensions: DIMENSIONS.filter((d) => facts.every((fact) => dimensionAppliesTo(d, fact))).map(
      (d) => d.key,
    ),
  };
}

/** The v1 catalog, plus parametrised conversion metrics declared in code. */
export const METRIC_DECLARATIONS: readonly MetricDeclaration[] = [
  {
    key: "visitors",
    label: { en: "Visitors", zh: "访客数" },
    description: "Distinct users with at least one event in the bucket",
    unit: "COUNT",
    definition: { kind: "SIMPLE", measure: "visitors" },
  },
  {
    key: "events",
    label: { en: "Events", zh: "事件数" },
    description: "Number of events in the bucket",
    unit: "COUNT",
    definition: { kind: "SIMPLE", measure: "events" },
  },
  {
    key: "orders",
    label: { en: "Orders", zh: "订单数" },
    description: "Number of counted orders (paid, shipped, completed or refunded) placed in the bucket",
    unit: "COUNT",
    definition: { kind: "SIMPLE", measure: "orders" },
  },
  {
    key: "buyers",
    label: { en: "Buyers", zh: "购买人数" },
    description: "Distinct users with at least one counted order placed in the bucket",
    unit: "COUNT",
    definition: { kind: "SIMPLE", measure: "buyers" },
  },
  {
    key: "gmv",
    label: { en: "GMV", zh: "成交总额" },
    description: "Sum of total_amount of counted orders placed in the bucket",
    unit: "CURRENCY",
    definition: { kind: "SIMPLE", measure: "gmv" },
  },
  {
    key: "refunds",
    label: { en: "Refunds", zh: "退款金额" },
    description: "Sum of refunded_amount of counted orders placed in the bucket",
    unit: "CURRENCY",
    definition: { kind: "SIMPLE", measure: "refunds" },
  },
  {
    key: "net_revenue",
    label: { en: "Net revenue", zh: "净收入" },
    description: "gmv − refunds",
    unit: "CURRENCY",
    definition: { kind: "DERIVED", formula: "DIFFERENCE", minuend: "gmv", subtrahend: "refunds" },
  },
  {
    key: "aov",
    label: { en: "Average order value", zh: "客单价" },
    description: "gmv / orders; null without orders",
    unit: "CURRENCY",
    definition: { kind: "RATIO", numerator: "gmv", denominator: "orders" },
  },
  {
    key: "arppu",
    label: { en: "Average revenue per paying user", zh: "人均消费 (ARPPU)" },
    description: "gmv / buyers; null without buyers",
    unit: "CURRENCY",
    definition: { kind: "RATIO", numerator: "gmv", denominator: "buyers" },
  },
  {
    key: "conversion_rate",
    label: { en: "Conversion rate", zh: "转化率" },
    description: "Users who are both visitors and buyers in the bucket / visitors; null without visitors",
    unit: "RATIO",
    definition: { kind: "RATIO", numerator: "visiting_buyers", denominator: "visitors" },
  },
  {
    key: "repurchase_rate",
    label: { en: "Repurchase rate", zh: "复购率" },
    description: "Buyers with at least 2 counted orders in the bucket / buyers; null without buyers",
    unit: "RATIO",
    definition: { kind: "RATIO", numerator: "repeat_buyers", denominator: "buyers" },
  },
  {
    key: "new_buyers",
    label: { en: "New buyers", zh: "新购买人数" },
    description:
      "Buyers whose first-ever counted order (over all history, any slice) was placed in the bucket",
    unit: "COUNT",
    definition: { kind: "SIMPLE", measure: "new_buyers" },
  },
  {
    key: "returning_buyers",
    label: { en: "Returning buyers", zh: "老购买人数" },
    description: "buyers − new_buyers",
    unit: "COUNT",
    definition: { kind: "DERIVED", formula: "DIFFERENCE", minuend: "buyers", subtrahend: "new_buyers" },
  },
  {
    key: "churn_rate",
    label: { en: "Churn rate", zh: "流失率" },
    description:
      "Of the buyers of the previous bucket (same grain, same slice; for ALL the equally long window before the range), the share with no counted order in the bucket; null without such buyers",
    unit: "RATIO",
    definition: { kind: "CHURN" },
  },
  {
    key: "cart_abandonment_rate",
    label: { en: "Cart abandonment rate", zh: "购物车放弃率" },
    description:
      "Users with add_to_cart in the bucket and no counted order in it / users with add_to_cart in the bucket",
    unit: "RATIO",
    definition: { kind: "RATIO", numerator: "cart_abandoners", denominator: "cart_users" },
  },
  {
    key: "units",
    label: { en: "Units sold", zh: "销售件数" },
    description: "Sum of item quantity of counted orders placed in the bucket",
    unit: "COUNT",
    definition: { kind: "SIMPLE", measure: "units" },
  },
  {
    key: "item_revenue",
    label: { en: "Item revenue", zh: "商品销售额" },
    description: "Sum of quantity × unit_price of the items of counted orders placed in the bucket",
    unit: "CURRENCY",
    definition: { kind: "SIMPLE", measure: "item_revenue" },
  },
  {
    key: "view_to_cart_rate",
    label: { en: "View-to-cart conversion (session)", zh: "浏览加购转化率 (会话)" },
    description:
      "Of the users with a product_view in the bucket, the share who added to cart within 1 day after it in the same session",
    unit: "RATIO",
    definition: {
      kind: "CONVERSION",
      baseEvent: "product_view",
      targetEvent: "add_to_cart",
      window: { amount: 1, unit: "days" },
      constantProperty: "session_id",
    },
  },
  {
    key: "checkout_completion_rate",
    label: { en: "Checkout completion rate", zh: "结算完成率" },
    description:
      "Of the users with a checkout_start in the bucket, the share with an order_paid within 1 day after it",
    unit: "RATIO",
    definition: {
      kind: "CONVERSION",
      baseEvent: "checkout_start",
      targetEvent: "order_paid",
      window: { amount: 1, unit: "days" },
    },
  },
];

export const METRICS: readonly Metric[] = METRIC_DECLARATIONS.map(defineMetric);
export const METRICS_BY_KEY: ReadonlyMap<string, Metric> = new Map(
  METRICS.map((metric) => [metric.key, metric]),
);
