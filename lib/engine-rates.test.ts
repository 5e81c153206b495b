import { describe, expect, it } from 'vitest';
import type { EngineStatus } from './engine';
import { engineRates } from './engine-rates';

const reading = (at: number, ingested: number, workers: EngineStatus['workers']): EngineStatus => ({
  at,
  stream: { firstOffset: 0, nextOffset: ingested, bytes: 0, segments: 1, ingested, rejected: 0, window: ingested, windowCapacity: 200_000 },
  workers,
});

describe('engineRates', () => {
  it('gives the ingest rate and each worker’s CPU and busy share over the interval', () => {
    const a = reading(10_000, 1_000, [
      { index: 0, plugins: 2, activeMs: 500, cpuMs: 400 },
      { index: 1, plugins: 1, activeMs: 100, cpuMs: 90 },
    ]);
    const b = reading(12_000, 1_500, [
      { index: 0, plugins: 2, activeMs: 1_500, cpuMs: 1_200 },
      { index: 1, plugins: 1, activeMs: 120, cpuMs: 100 },
    ]);
    expect(engineRates(a, b)).toEqual({
      ingestPerSecond: 250,
      workers: [
        { index: 0, plugins: 2, cpuPercent: 40, busyPercent: 50 },
        { index: 1, plugins: 1, cpuPercent: 0.5, busyPercent: 1 },
      ],
    });
  });

  it('leaves out what it cannot know: first reading, no CPU clock, a replaced worker, a worker that is new', () => {
    const first = reading(1_000, 10, [{ index: 0, plugins: 1, activeMs: 50 }]);
    expect(engineRates(undefined, first)).toEqual({ workers: [{ index: 0, plugins: 1 }] });
    const noCpu = reading(2_000, 20, [
      { index: 0, plugins: 1, activeMs: 20 }, // restarted after a crash: its clock went back
      { index: 1, plugins: 0, activeMs: 5, cpuMs: 5 }, // not there before
    ]);
    expect(engineRates(first, noCpu)).toEqual({ ingestPerSecond: 10, workers: [{ index: 0, plugins: 1 }, { index: 1, plugins: 0 }] });
    // The same instant twice, or readings out of order: no rates.
    expect(engineRates(noCpu, noCpu).ingestPerSecond).toBeUndefined();
    expect(engineRates(noCpu, first).workers[0].busyPercent).toBeUndefined();
  });

  it('caps a share at 100% (readings taken a little apart on each side)', () => {
    const a = reading(0, 0, [{ index: 0, plugins: 1, activeMs: 0, cpuMs: 0 }]);
    const b = reading(1_000, 0, [{ index: 0, plugins: 1, activeMs: 1_010, cpuMs: 1_004 }]);
    expect(engineRates(a, b).workers[0]).toEqual({ index: 0, plugins: 1, cpuPercent: 100, busyPercent: 100 });
  });
});
