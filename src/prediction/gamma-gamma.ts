/**
 * Gamma-Gamma spend model, Fader & Hardie (2013), "The Gamma-Gamma model of monetary
 * value". A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ), fitted on
 * repeat customers' mean repeat-transaction value `m` over their `x` repeat transactions.
 */
import { gammaln, minimize } from "./special";

export interface GammaGammaParameters {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendHistory {
  /** Repeat transactions (> 0). */
  x: number;
  /** Mean value of those repeat transactions (> 0). */
  m: number;
}

export interface GammaGammaFit {
  parameters: GammaGammaParameters;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/** ln f(m | p, q, γ, x): the density of a mean of x Gamma(p, ν) values, ν integrated out. */
export function gammaGammaLogLikelihood(
  { p, q, gamma }: GammaGammaParameters,
  { x, m }: SpendHistory,
): number {
  return (
    gammaln(p * x + q) -
    gammaln(p * x) -
    gammaln(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(m) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + m * x)
  );
}

export function fitGammaGamma(histories: SpendHistory[]): GammaGammaFit {
  const usable = histories.filter((h) => h.x > 0 && h.m > 0);
  const toParameters = (v: number[]): GammaGammaParameters => ({
    p: Math.exp(v[0]),
    q: Math.exp(v[1]),
    gamma: Math.exp(v[2]),
  });
  // Per evaluation, log-gamma terms once per distinct x; per customer only ln(γ + m·x) varies.
  const xs = [...new Set(usable.map((h) => h.x))];
  const rows = usable.map((h) => ({ x: h.x, logM: Math.log(h.m), logX: Math.log(h.x), mx: h.m * h.x }));
  const result = minimize(
    (v) => {
      const { p, q, gamma } = toParameters(v);
      const byX = new Map(xs.map((x) => [x, gammaln(p * x + q) - gammaln(p * x)]));
      const constant = -gammaln(q) + q * Math.log(gamma);
      let total = 0;
      for (const row of rows) {
        const px = p * row.x;
        total +=
          (byX.get(row.x) as number) +
          constant +
          (px - 1) * row.logM +
          px * row.logX -
          (px + q) * Math.log(gamma + row.mx);
      }
      return -total;
    },
    [0, 0, 0],
  );
  return {
    parameters: toParameters(result.x),
    logLikelihood: -result.value,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * E[Z | m, x]: the expected value of this customer's future transactions, a weighted mean
 * of the population mean pγ/(q − 1) and their own mean (equation 5). With x = 0 it is the
 * population mean. Needs q > 1 (a finite population mean).
 */
export function expectedAverageSpend({ p, q, gamma }: GammaGammaParameters, { x, m }: SpendHistory): number {
  if (x === 0) return (p * gamma) / (q - 1);
  return (p * (gamma + m * x)) / (p * x + q - 1);
}
