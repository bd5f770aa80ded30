/**
 * The numeric building blocks of the purchase models, each from a well-kept library:
 * log-gamma and the Gauss hypergeometric function from stdlib (ports of Cephes), the
 * Nelder–Mead simplex from fmin. Nothing here knows of customers or SQL.
 */
import gammaln from "@stdlib/math-base-special-gammaln";
import hyp2f1 from "@stdlib/math-base-special-hyp2f1";
import { nelderMead } from "fmin";

export { gammaln, hyp2f1 };

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  const high = Math.max(a, b);
  if (high === Number.NEGATIVE_INFINITY) return high;
  return high + Math.log(Math.exp(a - high) + Math.exp(b - high));
}

export interface MinimizeResult {
  /** The minimising point. */
  x: number[];
  /** The objective there. */
  value: number;
  iterations: number;
  /** True when the simplex shrank below tolerance before the iteration cap. */
  converged: boolean;
}

/**
 * Minimises `objective` from `start` with Nelder–Mead. Positive parameters are fitted on
 * their logarithms by the callers, so the search is unconstrained. A simplex can collapse
 * on a long curved ridge before the optimum (the Gamma-Gamma likelihood has one), so the
 * search restarts from its best point until a restart no longer improves the objective;
 * convergence means that happened before the iteration budget ran out.
 */
export function minimize(
  objective: (x: number[]) => number,
  start: number[],
  maxIterations = 5000,
): MinimizeResult {
  const guarded = (x: number[]) => {
    const value = objective(x);
    return Number.isFinite(value) ? value : Number.MAX_VALUE;
  };
  let best = { x: start, fx: guarded(start) };
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const history: unknown[] = [];
    const result = nelderMead(guarded, [...best.x], {
      maxIterations: maxIterations - iterations,
      // fmin reads its parameter tolerance from `minErrorDelta` too: one value sets both.
      minErrorDelta: 1e-9,
      history,
    });
    iterations += history.length;
    const improvement = best.fx - result.fx;
    if (result.fx <= best.fx) best = { x: [...result.x], fx: result.fx };
    if (improvement < 1e-7) {
      converged = iterations < maxIterations;
      break;
    }
  }
  return { x: best.x, value: best.fx, iterations, converged };
}
