/**
 * A Heka message as the browser sees it: JSON-safe (int64 as decimal strings,
 * bytes as base64) and ready to render as a tree of headers, then Fields with
 * their types.
 */
import { VALUE_TYPE_NAMES, uuidToHex, type FieldValue, type Message } from '../engine/message';

export type JsonFieldValue = string | number | boolean;

export interface FieldView {
  name: string;
  /** STRING, BYTES, INTEGER, DOUBLE or BOOL. */
  type: string;
  representation: string;
  /** BYTES as base64, INTEGER beyond 2^53 as a decimal string. */
  value: JsonFieldValue[];
}

export interface MessageView {
  uuid: string;
  /** Nanoseconds since the epoch, as a decimal string (exact). */
  timestamp: string;
  /** The timestamp as RFC 3339 with millisecond precision, for reading. */
  time: string;
  type?: string;
  logger?: string;
  severity?: number;
  payload?: string;
  envVersion?: string;
  pid?: number;
  hostname?: string;
  fields: FieldView[];
}

function fieldValueView(value: FieldValue): JsonFieldValue {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

export function toMessageView(message: Message): MessageView {
  const view: MessageView = {
    uuid: uuidToHex(message.uuid),
    timestamp: message.timestamp.toString(),
    time: new Date(Number(message.timestamp / 1_000_000n)).toISOString(),
    fields: message.fields.map((field) => ({
      name: field.name,
      type: VALUE_TYPE_NAMES[field.valueType],
      representation: field.representation,
      value: field.value.map(fieldValueView),
    })),
  };
  if (message.type !== undefined) view.type = message.type;
  if (message.logger !== undefined) view.logger = message.logger;
  if (message.severity !== undefined) view.severity = message.severity;
  if (message.payload !== undefined) view.payload = message.payload;
  if (message.envVersion !== undefined) view.envVersion = message.envVersion;
  if (message.pid !== undefined) view.pid = message.pid;
  if (message.hostname !== undefined) view.hostname = message.hostname;
  return view;
}
