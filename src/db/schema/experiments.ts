import { doublePrecision, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { definitionColumns, tstz, versionColumns } from "./definitions";

/** What an experiment defines beyond the shared definition columns; every version keeps all of it. */
const experimentColumns = () => ({
  hypothesis: text("hypothesis").notNull().default(""),
  /** `[{ key, weight }]` in order; the first variant is the control; weights sum to 1. */
  variants: jsonb("variants").notNull(),
  /** Keys of the metric catalog. */
  primaryMetric: text("primary_metric").notNull(),
  metrics: jsonb("metrics").notNull(),
  /** The segment whose members take part; null for everyone. */
  segment: text("segment"),
  startAt: tstz("start_at"),
  endAt: tstz("end_at"),
  /** Salts the assignment hash; defaults to the key. */
  seed: text("seed").notNull(),
  minimumDetectableEffect: doublePrecision("minimum_detectable_effect"),
});

/** An experiment definition (variants, metrics, audience, window). */
export const experiments = pgTable("experiments", {
  ...definitionColumns(),
  ...experimentColumns(),
});

/** Every version of an experiment definition, with who wrote it and when. */
export const experimentVersions = pgTable(
  "experiment_versions",
  {
    experimentKey: text("experiment_key").notNull(),
    ...versionColumns(),
    ...experimentColumns(),
  },
  (t) => [primaryKey({ columns: [t.experimentKey, t.version] })],
);
