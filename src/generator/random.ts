/**
 * Deterministic randomness for the demo shop. `mulberry32` (Tommy Ettinger's 32-bit
 * generator) is tiny, fast and good enough for synthetic data; `streamSeed` derives an
 * independent stream per (seed, person, day), so what a person does on a day never
 * depends on how many draws anyone else made before: the output is stable when the
 * simulation changes elsewhere, and the same seed always gives the same shop.
 */

/** Murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for the stream named by `parts` (integers). */
export function streamSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) h = mix32(h ^ mix32((part | 0) + 0x7f4a7c15));
  return h;
}

/** A bijection on 32-bit integers, for identifiers that look random but never collide. */
export function scramble32(value: number): number {
  return mix32(Math.imul(value >>> 0, 0x2545f491) ^ 0x5bd1e995);
}

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** An index drawn with probability proportional to `weights[i]`. */
  weightedIndex(weights: readonly number[], total = sum(weights)): number {
    let target = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i];
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  weighted<T extends { weight: number }>(items: readonly T[]): T {
    return items[this.weightedIndex(items.map((item) => item.weight))];
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and log-space spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Failures before the first success of a Bernoulli(p) trial: 0, 1, 2, … */
  geometric(probability: number): number {
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - probability));
  }

  hex(digits: number): string {
    let out = "";
    while (out.length < digits)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    return out.slice(0, digits);
  }
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
