import type { TimeGrain, TimeRange } from "../time";

/**
 * The plain, serialisable description of a metrics question. GraphQL, the CSV export
 * and the views all build one of these; `compileMetricQuery` turns it into SQL.
 */

/** A dimension; membership dimensions (`has_tag`, `tag_value`, `in_segment`) carry the tag or segment key. */
export interface DimensionRef {
  key: string;
  arg?: string;
}

/** Conditions on one dimension; several in one object must all hold. Values compare as text. */
export interface FilterCondition {
  eq?: string;
  in?: string[];
  notIn?: string[];
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  contains?: string;
  isNull?: boolean;
}

export type MetricFilter =
  | { and: MetricFilter[] }
  | { or: MetricFilter[] }
  | { not: MetricFilter }
  | { dimension: DimensionRef; condition: FilterCondition };

export type ComparePeriod = "PREVIOUS_PERIOD" | "PREVIOUS_YEAR";

/** `time`, a metric key, or a (non-parametrised) dimension key of the query. */
export interface MetricOrder {
  field: string;
  direction: "ASC" | "DESC";
}

export interface MetricQuery {
  /** Catalog keys (snake_case). */
  metrics: string[];
  dimensions: DimensionRef[];
  grain: TimeGrain;
  timezone: string;
  range: TimeRange;
  where?: MetricFilter;
  /** Only facts of the current members of this segment. */
  segment?: string;
  /** Only facts of the current members of this tag. */
  tag?: string;
  compareTo?: ComparePeriod;
  orderBy?: MetricOrder[];
  /** At most MAX_METRIC_ROWS; the default. */
  limit?: number;
}

export const MAX_METRIC_ROWS = 10_000;
