/**
 * BG/NBD ("beta-geometric / negative binomial"), Fader, Hardie & Lee (2005), "Counting
 * your customers the easy way". While alive a customer buys at Poisson rate λ ~ Gamma(r, α);
 * after each purchase they drop out with probability p ~ Beta(a, b). Inputs per customer:
 * `x` repeat transactions, `tx` the time of the last one and `T` the time observed, all
 * measured from the first purchase in one unit (weeks or days). Pure functions: the
 * service feeds them compact summaries read from the database.
 */
import { gammaln, hyp2f1, logAddExp, minimize } from "./special";

export interface BgNbdParameters {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One customer's summary, or `count` customers sharing it. */
export interface PurchaseHistory {
  x: number;
  tx: number;
  T: number;
  count?: number;
}

export interface BgNbdFit {
  parameters: BgNbdParameters;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/** ln L of one history (equation 6 of the paper, in logs). */
export function bgnbdLogLikelihood(
  { r, alpha, a, b }: BgNbdParameters,
  { x, tx, T }: PurchaseHistory,
): number {
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return a1 + a2 + logAddExp(a3, a4);
}

export function bgnbdTotalLogLikelihood(parameters: BgNbdParameters, histories: PurchaseHistory[]): number {
  return bgnbdObjective(histories)(parameters);
}

/**
 * The total log-likelihood as a function of the parameters, for a fixed set of histories:
 * the log-gamma terms depend on x alone, so they are computed once per distinct x and
 * evaluation, not once per history (the optimiser evaluates it thousands of times).
 */
function bgnbdObjective(histories: PurchaseHistory[]): (parameters: BgNbdParameters) => number {
  const xs = [...new Set(histories.map((h) => h.x))];
  return ({ r, alpha, a, b }) => {
    const byX = new Map<number, number>();
    const base = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b);
    for (const x of xs) byX.set(x, base + gammaln(r + x) + gammaln(b + x) - gammaln(a + b + x));
    const logA = Math.log(a);
    let total = 0;
    for (const { x, tx, T, count = 1 } of histories) {
      const a3 = -(r + x) * Math.log(alpha + T);
      const rest = x === 0 ? a3 : logAddExp(a3, logA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx));
      total += count * ((byX.get(x) as number) + rest);
    }
    return total;
  };
}

/** Maximum likelihood on the summaries, over log-parameters (all four are positive). */
export function fitBgNbd(histories: PurchaseHistory[]): BgNbdFit {
  const toParameters = (v: number[]): BgNbdParameters => ({
    r: Math.exp(v[0]),
    alpha: Math.exp(v[1]),
    a: Math.exp(v[2]),
    b: Math.exp(v[3]),
  });
  const logLikelihood = bgnbdObjective(histories);
  const result = minimize((v) => -logLikelihood(toParameters(v)), [0, 0, 0, 0]);
  return {
    parameters: toParameters(result.x),
    logLikelihood: -result.value,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/** The odds term shared by P(alive) and the conditional expectation; 0 for x = 0. */
function dropoutOdds({ r, alpha, a, b }: BgNbdParameters, { x, tx, T }: PurchaseHistory): number {
  if (x === 0) return 0;
  return (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x);
}

/** P(alive | x, tx, T) (equation 11). A customer with no repeat purchase is alive for sure. */
export function probabilityAlive(parameters: BgNbdParameters, history: PurchaseHistory): number {
  return 1 / (1 + dropoutOdds(parameters, history));
}

/** E[Y(t) | x, tx, T]: expected transactions in the next `t` units (equation 10). */
export function conditionalExpectedPurchases(
  parameters: BgNbdParameters,
  history: PurchaseHistory,
  t: number,
): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = parameters;
  const { x, T } = history;
  const z = t / (alpha + T + t);
  const body =
    ((a + b + x - 1) / (a - 1)) *
    (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z));
  return body / (1 + dropoutOdds(parameters, history));
}
