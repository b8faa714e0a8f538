/** min / median / max of repeated measurements, the shape every figure reports. */
export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
  values: number[];
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n, min: NaN, median: NaN, max: NaN, values: [] };
  const mid = Math.floor(n / 2);
  const median = n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n, min: sorted[0]!, median, max: sorted[n - 1]!, values };
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** a / b of the medians; null when either is missing. */
export function ratio(a: Summary | undefined, b: Summary | undefined): number | null {
  if (!a || !b || !(b.median > 0) || !Number.isFinite(a.median)) return null;
  return round(a.median / b.median, 3);
}

export const seconds = (ms: number): number => round(ms / 1000, 2);
