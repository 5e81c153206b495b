/**
 * Messages per second over the last few seconds, from counter readings that
 * arrive at irregular moments (the engine reports stats about once a second,
 * and sooner when something changes). Two readings a few milliseconds apart
 * would turn one batch into thousands of messages a second, so the rate is
 * taken over the readings of the last `windowMs`, once they span `minSpanMs`.
 */
export class MessageRate {
  private readonly readings: { at: number; count: number }[] = [];
  private rate = 0;

  constructor(
    private readonly windowMs = 10_000,
    private readonly minSpanMs = 2_000,
  ) {}

  /** Record the counter at `at` (ms) and return the current rate. */
  update(count: number, at: number): number {
    const last = this.readings.at(-1);
    if (last && count < last.count) this.readings.length = 0; // the counter restarted (a restart or a redeploy)
    if (!last || at > last.at || count !== last.count) this.readings.push({ at, count });
    while (this.readings.length > 2 && at - this.readings[1].at >= this.windowMs) this.readings.shift();
    const first = this.readings[0];
    const span = at - first.at;
    if (span >= this.minSpanMs) this.rate = Math.max(0, ((count - first.count) * 1000) / span);
    else if (this.readings.length === 1) this.rate = 0;
    return this.rate;
  }
}
