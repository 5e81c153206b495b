/**
 * Encoded records packed as the engine sends them to an analysis worker:
 * back to back in one buffer per batch, with each record's end and offset
 * (the shape AnalysisCore.processRecords takes).
 */
import { DEFAULT_MAX_BATCH } from '../engine/runtime/analysis-thread';
import { packRecords } from '../engine/runtime/worker-protocol';

export interface RecordBatch {
  data: Uint8Array;
  /** Record k is data[ends[k - 1], ends[k]) (from 0 for the first). */
  ends: Uint32Array;
  /** Record k's offset in the stream (its index in `encoded`). */
  offsets: Float64Array;
}

/** `encoded` in batches of `size` records (the worker's largest batch by default). */
export function recordBatches(encoded: Uint8Array[], size = DEFAULT_MAX_BATCH): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (let i = 0; i < encoded.length; i += size) {
    const part = encoded.slice(i, i + size);
    batches.push({ ...packRecords(part), offsets: Float64Array.from(part, (_, k) => i + k) });
  }
  return batches;
}
