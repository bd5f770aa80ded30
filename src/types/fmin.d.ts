/** The part of fmin (BSD-3, no bundled types) that Stratum uses. */
declare module "fmin" {
  export interface NelderMeadOptions {
    maxIterations?: number;
    minErrorDelta?: number;
    history?: unknown[];
  }
  export function nelderMead(
    f: (x: number[]) => number,
    x0: number[],
    options?: NelderMeadOptions,
  ): { x: number[]; fx: number };
}
