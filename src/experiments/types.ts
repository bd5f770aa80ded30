/**
 * An experiment as the results and assignment code read it. The stored, versioned
 * definition (with its audit trail) lives in `definitions.ts`; this is the plain shape it
 * hands to everything else.
 */
export interface ExperimentVariant {
  key: string;
  /** Share of traffic; the weights of an experiment are read relative to their sum. */
  weight: number;
}

export interface ExperimentDefinition {
  key: string;
  name: string;
  /** The first variant is the control. */
  variants: ExperimentVariant[];
  /** A metric catalog key. */
  primaryMetric: string;
  /** Further catalog keys read as guardrails. */
  metrics: string[];
  /** Target segment key; null when every user may enter. */
  segment: string | null;
  /** Exposures and orders count from `start` (inclusive) to `end` (exclusive); null is open. */
  start: Date | null;
  end: Date | null;
  /** Hash seed of the assignment; the experiment key unless set. */
  seed: string;
  /** Smallest absolute lift of the primary metric worth detecting, for the sample size. */
  minimumDetectableEffect: number | null;
}
