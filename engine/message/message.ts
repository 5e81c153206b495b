/**
 * The in-memory Heka message: one shape shared by the codecs, the matcher,
 * the sandbox host API and the stream. Field names follow Heka's headers in
 * camelCase; see ../shared/docs/heka-compat.md for the contract.
 */

export const ValueType = {
  STRING: 0,
  BYTES: 1,
  INTEGER: 2,
  DOUBLE: 3,
  BOOL: 4,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

export const VALUE_TYPE_NAMES: Record<ValueType, string> = {
  0: 'STRING',
  1: 'BYTES',
  2: 'INTEGER',
  3: 'DOUBLE',
  4: 'BOOL',
};

/**
 * An INTEGER element is a JS number while it is a safe integer and a bigint
 * beyond that, so int64 values survive a round trip exactly.
 */
export type FieldValue = string | Uint8Array | number | bigint | boolean;

export interface Field {
  name: string;
  valueType: ValueType;
  /** Heka's free-form unit/representation hint ("ms", "count", ...); "" when absent. */
  representation: string;
  /** Never empty for a valid field; every element has the type valueType names. */
  value: FieldValue[];
}

export interface Message {
  /** 16 bytes. */
  uuid: Uint8Array;
  /** Nanoseconds since the Unix epoch, exact. */
  timestamp: bigint;
  type?: string;
  logger?: string;
  /** Syslog severity; Heka reports 7 when absent. */
  severity?: number;
  payload?: string;
  envVersion?: string;
  pid?: number;
  hostname?: string;
  fields: Field[];
}

/** Largest encoded message accepted anywhere (Hindsight's default). */
export const MAX_MESSAGE_SIZE = 64 * 1024;

export const DEFAULT_SEVERITY = 7;

/** Thrown for any malformed message input; `path` says where (e.g. "Fields[2].value[0]"). */
export class MessageError extends Error {
  readonly path: string | undefined;
  constructor(message: string, path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'MessageError';
    this.path = path;
  }
}
