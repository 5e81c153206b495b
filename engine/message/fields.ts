/**
 * Field access `Fields[name][fi][ai]`, shared by the matcher and the
 * sandbox's `read_message`, so both agree on what a message contains.
 */
import type { Field, FieldValue, Message } from './message';

/** The fi-th field called `name` (0-based), or undefined. */
export function findField(message: Message, name: string, fi = 0): Field | undefined {
  const fields = message.fields;
  for (let i = 0, n = fields.length; i < n; i++) {
    const f = fields[i];
    if (f.name === name) {
      if (fi === 0) return f;
      fi--;
    }
  }
  return undefined;
}

/** `Fields[name][fi][ai]`: the ai-th element of the fi-th field called `name`, or undefined. */
export function readField(message: Message, name: string, fi = 0, ai = 0): FieldValue | undefined {
  const fields = message.fields;
  for (let i = 0, n = fields.length; i < n; i++) {
    const f = fields[i];
    if (f.name === name) {
      if (fi === 0) return f.value[ai];
      fi--;
    }
  }
  return undefined;
}

/** Header names as the matcher and read_message spell them. */
export const HEADER_NAMES = [
  'Uuid',
  'Timestamp',
  'Type',
  'Logger',
  'Severity',
  'Payload',
  'EnvVersion',
  'Pid',
  'Hostname',
] as const;
export type HeaderName = (typeof HEADER_NAMES)[number];
/** The headers that hold text and may be absent (Uuid is text too, but never missing). */
export type StringHeaderName = 'Type' | 'Logger' | 'Hostname' | 'EnvVersion' | 'Payload';

/**
 * A header's value as plugins and the matcher see it: Uuid as 32 lower-case
 * hex characters (the "Uuid" read_message form in lua_sandbox is the raw 16
 * bytes; the JS edition uses hex so it is printable), Timestamp as a number of
 * nanoseconds (a double, as in Lua), Severity 7 when absent.
 */
export function readHeader(message: Message, name: HeaderName): string | number | undefined {
  switch (name) {
    case 'Uuid':
      return uuidToHex(message.uuid);
    case 'Timestamp':
      // A message read in place gives it without a BigInt (lazy-message.ts; the marker avoids importing it here).
      return (message as { readInPlace?: true }).readInPlace === true
        ? (message as unknown as { timestampNumber(): number }).timestampNumber()
        : Number(message.timestamp);
    case 'Type':
      return message.type;
    case 'Logger':
      return message.logger;
    case 'Severity':
      return message.severity ?? 7;
    case 'Payload':
      return message.payload;
    case 'EnvVersion':
      return message.envVersion;
    case 'Pid':
      return message.pid;
    case 'Hostname':
      return message.hostname;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidToHex(uuid: Uint8Array): string {
  let s = '';
  for (let i = 0; i < uuid.length; i++) s += HEX[uuid[i]];
  return s;
}

/**
 * The optional headers a message has, keyed as Heka spells them, in Heka's
 * order. Uuid and Timestamp are left to the caller: each output form writes
 * those its own way (hex, a number, a digit string).
 */
export function presentHeaders(message: Message): Record<string, string | number> {
  const o: Record<string, string | number> = {};
  if (message.type !== undefined) o.Type = message.type;
  if (message.logger !== undefined) o.Logger = message.logger;
  if (message.severity !== undefined) o.Severity = message.severity;
  if (message.payload !== undefined) o.Payload = message.payload;
  if (message.envVersion !== undefined) o.EnvVersion = message.envVersion;
  if (message.pid !== undefined) o.Pid = message.pid;
  if (message.hostname !== undefined) o.Hostname = message.hostname;
  return o;
}
