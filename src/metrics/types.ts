/**
 * The typed declaration API of the semantic layer. Metric kinds are plain data,
 * MetricFlow style: the compiler in `src/semantic/metrics` turns them into SQL, the views
 * and the CSV export reuse the same compiler, so a number means one thing everywhere.
 */

/** The facts a metric can read (through `src/semantic/facts.ts`). */
export type FactKey = "events" | "orders" | "items";

export interface Labels {
  en: string;
  zh: string;
}

export type MetricUnit = "COUNT" | "CURRENCY" | "RATIO";

/**
 * A base measure: an aggregation over one fact's rows (`ROW`, additive: a rollup table
 * could answer it by summing partial sums), or a count of users whose per-user activity
 * in the bucket and slice satisfies a condition (`USER`).
 */
export type MeasureKey =
  | "events"
  | "cart_events"
  | "orders"
  | "gmv"
  | "refunds"
  | "units"
  | "item_revenue"
  | "visitors"
  | "cart_users"
  | "buyers"
  | "repeat_buyers"
  | "new_buyers"
  | "visiting_buyers"
  | "cart_abandoners";

export type RowMeasureKey =
  | "events"
  | "cart_events"
  | "orders"
  | "gmv"
  | "refunds"
  | "units"
  | "item_revenue";
export type UserMeasureKey = Exclude<MeasureKey, RowMeasureKey>;

/** A time window of a conversion metric, in whole units. */
export interface ConversionWindow {
  amount: number;
  unit: "minutes" | "hours" | "days";
}

/** Metric kinds as data. */
export type MetricDefinition =
  /** One measure, zero when nothing happened. */
  | { kind: "SIMPLE"; measure: MeasureKey }
  /** numerator / denominator; null when the denominator is 0. */
  | { kind: "RATIO"; numerator: MeasureKey; denominator: MeasureKey }
  /** minuend − subtrahend, both zero-filled. */
  | { kind: "DERIVED"; formula: "DIFFERENCE"; minuend: MeasureKey; subtrahend: MeasureKey }
  /**
   * Of the buyers of the previous bucket of the same slice (for ALL: the equally long
   * window before the range), the share with no counted order in this bucket.
   */
  | { kind: "CHURN" }
  /**
   * Of the users with a `baseEvent` in the bucket (and slice), the share that did
   * `targetEvent` at or after it within `window`; with `constantProperty`, the target must
   * carry the same value of that event column or property (e.g. the same session).
   */
  | {
      kind: "CONVERSION";
      baseEvent: string;
      targetEvent: string;
      window: ConversionWindow;
      constantProperty?: string;
    };

export type MetricKind = MetricDefinition["kind"];

/** What a catalog author writes. */
export interface MetricDeclaration {
  /** snake_case; the GraphQL field is its camelCase. */
  key: string;
  label: Labels;
  description: string;
  unit: MetricUnit;
  definition: MetricDefinition;
}

/** A declaration with what the compiler derives from it. */
export interface Metric extends MetricDeclaration {
  /** camelCase GraphQL field name. */
  field: string;
  /** The facts it reads. */
  facts: FactKey[];
  /** Dimension keys it can be grouped and filtered by. */
  dimensions: string[];
}
