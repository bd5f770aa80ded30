import type { DashboardCatalogQuery, TimeRangeInput } from "../client/generated";

export type Catalog = DashboardCatalogQuery;
export type MetricDefinition = Catalog["metricCatalog"][number];

/** What every page is drawn from: the catalog and the global filters of the header. */
export interface PageContext {
  /** Asked for once per key; a page may send its own questions before it is in. */
  catalog: Promise<Catalog>;
  timeRange: TimeRangeInput;
  /** A segment key, or undefined for everyone. */
  segment: string | undefined;
  /** Draws the current page again (a page's own control changed). */
  redraw(): void;
}

export type Page = (root: HTMLElement, context: PageContext) => Promise<void>;

export const metricByField = (catalog: Catalog, field: string): MetricDefinition | undefined =>
  catalog.metricCatalog.find((metric) => metric.field === field);
