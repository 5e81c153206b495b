/** One benchmark result, printed beside a baseline measured in the same run. */
export interface Figure {
  name: string;
  unit: string;
  value: number;
  /** The same work done a plain way (e.g. hand-written JS), measured in the same run. */
  baseline: number;
  /** The target, when it names one. */
  target?: number;
  /** What the baseline is, or what limits the figure. */
  note?: string;
}

/** Median of `runs` timings of fn(), in seconds; fn is run once first to warm up. */
export function medianSeconds(fn: () => void, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median of `runs` runs of fn(), in CPU seconds of this whole process (every
 * thread, GC helpers included: what the work costs the machine, and what
 * other processes' load does not inflate); fn is run once first to warm up.
 * The runs of figures compared with each other should be interleaved by the caller.
 */
export function medianCpuSeconds(fn: () => void, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    fn();
    const t = process.cpuUsage(t0);
    times.push((t.user + t.system) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
