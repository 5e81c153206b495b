/**
 * The built-in sample stream: realistic telemetry-like messages (see
 * sample-messages.ts) stamped with the real clock, at a configurable rate,
 * handed to a sink (normally MessageStream.ingest) in small batches. It never
 * queues without bound: while the sink is busy, due messages accumulate up
 * to one second's worth and the excess is dropped and counted; a sink that
 * refuses (back-pressure, disk full) costs that batch, not the stream.
 */
import type { Message } from '../message/message';
import { createRng, sampleMessage, type Rng } from './sample-messages';

export type MessageSink = (messages: Message[]) => unknown;

export interface SampleStreamOptions {
  sink: MessageSink;
  /** Messages per second. Default 100. */
  rate?: number;
  /** How often a batch is produced. Default 100 ms. */
  tickMs?: number;
  /** PRNG seed; default random, so restarts do not repeat Uuids. */
  seed?: number;
  /** Current time in ns (default: the wall clock). */
  now?: () => bigint;
  /** Called when the sink throws or rejects. */
  onError?: (err: unknown) => void;
}

export interface SampleStreamStats {
  running: boolean;
  rate: number;
  /** Messages handed to the sink and accepted by it. */
  delivered: number;
  /** Messages lost: generated while the sink was busy beyond one second's worth, or refused by it. */
  dropped: number;
  sinkErrors: number;
  lastError: string | undefined;
}

const MAX_RATE = 10_000_000;

export class SampleStream {
  private readonly sink: MessageSink;
  private readonly tickMs: number;
  private readonly now: () => bigint;
  private readonly onError: ((err: unknown) => void) | undefined;
  private readonly rng: Rng;
  private rateValue: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private seq = 0;
  /** Messages due but not yet produced (fractional). */
  private due = 0;
  private lastTick = 0;
  private lastTimestamp = 0n;
  private counters = { delivered: 0, dropped: 0, sinkErrors: 0 };
  private lastError: string | undefined;

  constructor(options: SampleStreamOptions) {
    if (typeof options.sink !== 'function') throw new TypeError('SampleStream needs a sink function');
    this.sink = options.sink;
    this.tickMs = options.tickMs ?? 100;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be positive, got ${options.tickMs}`);
    this.rateValue = checkRate(options.rate ?? 100);
    this.now = options.now ?? wallClockNs;
    this.onError = options.onError;
    this.rng = createRng(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  get rate(): number {
    return this.rateValue;
  }

  /** Change the rate (messages per second); takes effect at the next tick. */
  setRate(rate: number): void {
    this.rateValue = checkRate(rate);
  }

  start(): void {
    if (this.timer) return;
    this.lastTick = performance.now();
    this.due = 0;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Stop producing; resolves once the batch in flight (if any) is settled. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  stats(): SampleStreamStats {
    return { running: this.running, rate: this.rateValue, ...this.counters, lastError: this.lastError };
  }

  /** Produce what is due now (the timer calls this; tests may too). */
  tick(): void {
    const t = performance.now();
    this.due += ((t - this.lastTick) / 1000) * this.rateValue;
    this.lastTick = t;
    // Never owe more than a second's worth: a stalled sink or event loop
    // must not turn into a burst.
    const cap = Math.max(1, this.rateValue);
    if (this.due > cap) {
      this.counters.dropped += Math.floor(this.due - cap);
      this.due = cap;
    }
    if (this.inFlight || this.due < 1) return;
    const n = Math.floor(this.due);
    this.due -= n;
    this.deliver(this.generate(n));
  }

  /** `n` sample messages stamped with the current time (strictly increasing). */
  generate(n: number): Message[] {
    const out: Message[] = new Array(n);
    let ts = this.now();
    if (ts <= this.lastTimestamp) ts = this.lastTimestamp + 1n;
    for (let i = 0; i < n; i++) {
      out[i] = sampleMessage(this.rng, this.seq++, ts + BigInt(i));
    }
    this.lastTimestamp = ts + BigInt(n - 1);
    return out;
  }

  private deliver(batch: Message[]): void {
    const fail = (err: unknown) => {
      this.counters.sinkErrors++;
      this.counters.dropped += batch.length;
      this.lastError = err instanceof Error ? err.message : String(err);
      try {
        this.onError?.(err);
      } catch {
        // the error callback's own failure changes nothing
      }
    };
    let result: unknown;
    try {
      result = this.sink(batch);
    } catch (err) {
      fail(err);
      return;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      this.inFlight = (result as Promise<unknown>).then(
        () => {
          this.counters.delivered += batch.length;
        },
        fail,
      ).finally(() => {
        this.inFlight = undefined;
      });
    } else {
      this.counters.delivered += batch.length;
    }
  }
}

function checkRate(rate: number): number {
  if (!Number.isFinite(rate) || rate < 0 || rate > MAX_RATE) {
    throw new RangeError(`sample rate must be between 0 and ${MAX_RATE} messages per second, got ${rate}`);
  }
  return rate;
}

const clockBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
/** Wall-clock nanoseconds with hrtime resolution. */
function wallClockNs(): bigint {
  return clockBase + process.hrtime.bigint();
}
