import type { Database } from "../db/client";
import { type DefinitionRecord, DefinitionService, definitionTable } from "../definitions/store";
import { badInput } from "../errors";
import { METRICS_BY_KEY } from "../metrics/catalog";
import { assertSegmentReference } from "../segments";
import { suggestNames } from "../suggestions";
import {
  type Actor,
  updatedNameAndDescription,
  validateDescription,
  validateKey,
  validateNewDefinition,
} from "../tags/definition";
import type { ExperimentDefinition, ExperimentVariant } from "./types";

/** How far the variant weights may sum from 1 (float rounding of e.g. three thirds). */
export const WEIGHT_TOLERANCE = 1e-9;
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 20;
const MAX_METRICS = 50;
const MAX_SEED_LENGTH = 200;

export type Variant = ExperimentVariant;

/** What defines an experiment beyond key, name and description: what assignment and results read, and why. */
export interface ExperimentFields extends Omit<ExperimentDefinition, "key" | "name"> {
  hypothesis: string;
}

export interface ExperimentRecord extends DefinitionRecord, ExperimentFields {}

export interface CreateExperimentInput {
  key: string;
  name: string;
  description?: string | null;
  hypothesis?: string | null;
  variants: Variant[];
  primaryMetric: string;
  metrics?: string[] | null;
  segment?: string | null;
  start?: Date | null;
  end?: Date | null;
  seed?: string | null;
  minimumDetectableEffect?: number | null;
}

/** Absent (or null) fields stay as they are; `variants` and `metrics` are replaced whole. */
export type UpdateExperimentInput = Partial<Omit<CreateExperimentInput, "key">>;

/** Experiments in the definition store: every own column is versioned and audited. */
const EXPERIMENT_TABLE = definitionTable("experiment", "Experiment", [
  { column: "hypothesis", field: "hypothesis", versioned: true },
  { column: "variants", field: "variants", versioned: true, cast: "jsonb" },
  { column: "primary_metric", field: "primaryMetric", versioned: true },
  { column: "metrics", field: "metrics", versioned: true, cast: "jsonb" },
  { column: "segment", field: "segment", versioned: true },
  { column: "start_at", field: "start", versioned: true, cast: "timestamptz" },
  { column: "end_at", field: "end", versioned: true, cast: "timestamptz" },
  { column: "seed", field: "seed", versioned: true },
  { column: "minimum_detectable_effect", field: "minimumDetectableEffect", versioned: true },
]);

/**
 * Checks an experiment's own fields (all but the segment's existence, which needs the
 * database): ≥ 2 variants with unique keys and positive weights summing to 1, metrics of the
 * catalog, start before end. Every refusal is BAD_USER_INPUT naming the input field.
 */
export function validateExperimentFields(
  key: string,
  input: Omit<CreateExperimentInput, "key" | "name" | "description">,
): ExperimentFields {
  return {
    hypothesis: validateDescription(input.hypothesis, "hypothesis"),
    variants: validateVariants(input.variants),
    primaryMetric: validateMetric(input.primaryMetric, "primaryMetric"),
    metrics: validateMetrics(input.metrics ?? []),
    segment: input.segment == null ? null : validateKey(input.segment, "segment"),
    ...validateWindow(input.start ?? null, input.end ?? null),
    seed: input.seed == null ? key : validateSeed(input.seed),
    minimumDetectableEffect: validateEffect(input.minimumDetectableEffect ?? null),
  };
}

function validateVariants(variants: unknown): Variant[] {
  if (!Array.isArray(variants) || variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS)
    throw badInput(
      `variants must list ${MIN_VARIANTS} to ${MAX_VARIANTS} variants (the first is the control)`,
      {
        argument: "variants",
      },
    );
  const seen = new Set<string>();
  const checked = variants.map((variant: Partial<Variant> | null, index) => {
    const key = validateKey(variant?.key, "variants");
    if (seen.has(key))
      throw badInput(`variants: the key "${key}" appears twice; variant keys must be unique`, {
        argument: "variants",
        key,
      });
    seen.add(key);
    const weight = variant?.weight;
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight <= 0)
      throw badInput(`variants[${index}] ("${key}"): weight must be a number greater than 0`, {
        argument: "variants",
        key,
      });
    return { key, weight };
  });
  const total = checked.reduce((sum, variant) => sum + variant.weight, 0);
  if (Math.abs(total - 1) > WEIGHT_TOLERANCE)
    throw badInput(`variants: weights must sum to 1, not ${total}`, { argument: "variants", total });
  return checked;
}

function validateMetric(metric: unknown, argument: string): string {
  if (typeof metric === "string" && METRICS_BY_KEY.has(metric)) return metric;
  const name = String(metric);
  const valid = [...METRICS_BY_KEY.keys()];
  const { suggestions, hint } = suggestNames(name, valid);
  throw badInput(`${argument}: unknown metric "${name}".${hint} Valid: ${valid.join(", ")}`, {
    argument,
    value: name,
    suggestions,
  });
}

function validateMetrics(metrics: unknown): string[] {
  if (!Array.isArray(metrics) || metrics.length > MAX_METRICS)
    throw badInput(`metrics must be a list of at most ${MAX_METRICS} metric keys`, { argument: "metrics" });
  const checked = metrics.map((metric) => validateMetric(metric, "metrics"));
  const repeated = checked.find((metric, index) => checked.indexOf(metric) !== index);
  if (repeated)
    throw badInput(`metrics: "${repeated}" appears twice`, { argument: "metrics", value: repeated });
  return checked;
}

function validateWindow(start: Date | null, end: Date | null): { start: Date | null; end: Date | null } {
  for (const [argument, value] of [
    ["start", start],
    ["end", end],
  ] as const) {
    if (value !== null && !(value instanceof Date && Number.isFinite(value.getTime())))
      throw badInput(`${argument} must be a date-time`, { argument });
  }
  if (start && end && !(start.getTime() < end.getTime()))
    throw badInput("end must be after start", { argument: "end" });
  return { start, end };
}

function validateSeed(seed: unknown): string {
  if (typeof seed !== "string" || seed.length === 0 || Array.from(seed).length > MAX_SEED_LENGTH)
    throw badInput(`seed must be 1–${MAX_SEED_LENGTH} characters`, { argument: "seed" });
  return seed;
}

function validateEffect(effect: unknown): number | null {
  if (effect === null) return null;
  if (typeof effect !== "number" || !Number.isFinite(effect) || effect <= 0)
    throw badInput("minimumDetectableEffect must be a number greater than 0", {
      argument: "minimumDetectableEffect",
    });
  return effect;
}

/** Experiment definitions: versions, history and audit through the definition store. */
export class ExperimentService extends DefinitionService<ExperimentRecord> {
  constructor(db: Database) {
    super(db, EXPERIMENT_TABLE);
  }

  async create(input: CreateExperimentInput, actor: Actor): Promise<ExperimentRecord> {
    const { key, name, description } = validateNewDefinition(input);
    const fields = validateExperimentFields(key, input);
    return this.db.transaction(async (tx) => {
      if (fields.segment !== null) await assertSegmentReference(tx, fields.segment);
      return this.store.insert(tx, key, { name, description, ...fields }, actor);
    });
  }

  async update(
    key: string,
    input: UpdateExperimentInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<ExperimentRecord> {
    const { after } = await this.store.update(key, expectedVersion, actor, async (before, tx) => {
      const merged = { ...before, ...withoutNulls(input) };
      const fields = validateExperimentFields(key, merged);
      if (fields.segment !== null && fields.segment !== before.segment)
        await assertSegmentReference(tx, fields.segment);
      return {
        ...updatedNameAndDescription(before, input),
        ...fields,
      };
    });
    return after;
  }

  archive(key: string, actor: Actor): Promise<ExperimentRecord> {
    return this.store.archive(key, actor);
  }
}

function withoutNulls<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value != null)) as Partial<T>;
}
