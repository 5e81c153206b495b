import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../engine/inputs/sample-messages';
import { ValueType, type Message } from '../engine/message';
import { toMessageView } from './message-view';

describe('toMessageView', () => {
  it('keeps int64 exact, bytes as base64 and names the field types', () => {
    const message: Message = {
      uuid: new Uint8Array(16).fill(0xab),
      timestamp: 1_700_000_000_123_456_789n,
      type: 'telemetry',
      fields: [
        { name: 'big', valueType: ValueType.INTEGER, representation: 'count', value: [2n ** 62n] },
        { name: 'raw', valueType: ValueType.BYTES, representation: '', value: [new Uint8Array([1, 2, 3])] },
        { name: 'ok', valueType: ValueType.BOOL, representation: '', value: [true, false] },
      ],
    };
    const view = toMessageView(message);
    expect(view.uuid).toBe('ab'.repeat(16));
    expect(view.timestamp).toBe('1700000000123456789');
    expect(view.time).toBe('2023-11-14T22:13:20.123Z');
    expect(view.fields).toEqual([
      { name: 'big', type: 'INTEGER', representation: 'count', value: ['4611686018427387904'] },
      { name: 'raw', type: 'BYTES', representation: '', value: ['AQID'] },
      { name: 'ok', type: 'BOOL', representation: '', value: [true, false] },
    ]);
    expect('logger' in view).toBe(false);
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  it('renders every sample message as JSON', () => {
    for (const message of sampleMessages(50, 7)) {
      const view = toMessageView(message);
      expect(() => JSON.stringify(view)).not.toThrow();
      expect(view.fields.length).toBe(message.fields.length);
    }
  });
});
