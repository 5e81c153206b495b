/**
 * Rates from two readings of the engine status (lib/engine.ts EngineStatus):
 * messages ingested per second and, per analysis worker, the share of one
 * core it used (CPU time, where the OS tells it) and how busy its event loop
 * was. A figure that cannot be known (first reading, a worker replaced after
 * a crash, no CPU clock) is left out, never guessed.
 */
import type { EngineStatus } from './engine';

export interface WorkerRates {
  index: number;
  plugins: number;
  /** Percent of one core over the interval. */
  cpuPercent?: number;
  /** Percent of the interval its event loop spent working. */
  busyPercent?: number;
}

export interface EngineRates {
  /** Messages appended per second over the interval. */
  ingestPerSecond?: number;
  workers: WorkerRates[];
}

export function engineRates(previous: EngineStatus | undefined, current: EngineStatus): EngineRates {
  const ms = previous ? current.at - previous.at : 0;
  const earlier = new Map(previous?.workers.map((w) => [w.index, w]) ?? []);
  const share = (delta: number | undefined) => (delta === undefined || ms <= 0 || delta < 0 ? undefined : Math.min(100, (100 * delta) / ms));
  const rates: EngineRates = {
    workers: current.workers.map((w) => {
      const before = earlier.get(w.index);
      const out: WorkerRates = { index: w.index, plugins: w.plugins };
      const cpu = share(before?.cpuMs !== undefined && w.cpuMs !== undefined ? w.cpuMs - before.cpuMs : undefined);
      const busy = share(before ? w.activeMs - before.activeMs : undefined);
      if (cpu !== undefined) out.cpuPercent = cpu;
      if (busy !== undefined) out.busyPercent = busy;
      return out;
    }),
  };
  if (previous && ms > 0 && current.stream.ingested >= previous.stream.ingested) {
    rates.ingestPerSecond = ((current.stream.ingested - previous.stream.ingested) * 1000) / ms;
  }
  return rates;
}
