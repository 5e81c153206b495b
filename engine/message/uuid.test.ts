import { describe, expect, it } from 'vitest';
import { MessageError } from './message';
import { newUuid, parseUuid, uuidFromString, uuidToString } from './uuid';

describe('uuid', () => {
  it('newUuid makes distinct version 4, RFC 4122 variant UUIDs', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const u = newUuid();
      expect(u.length).toBe(16);
      expect(u[6] >> 4).toBe(4);
      expect(u[8] >> 6).toBe(0b10);
      seen.add(uuidToString(u));
    }
    expect(seen.size).toBe(200);
  });

  it('parses both text forms in either case and prints the canonical one', () => {
    const canonical = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const bytes = uuidFromString(canonical);
    expect([...bytes.subarray(0, 4)]).toEqual([0x0f, 0x8f, 0xad, 0x5b]);
    expect(bytes[15]).toBe(0x0e);
    expect(uuidFromString(canonical.toUpperCase())).toEqual(bytes);
    expect(uuidFromString(canonical.replaceAll('-', ''))).toEqual(bytes);
    expect(uuidToString(bytes)).toBe(canonical);
    const u = newUuid();
    expect(uuidFromString(uuidToString(u))).toEqual(u);
  });

  it('rejects anything else', () => {
    for (const s of ['', 'xyz', '0f8fad5bd9cb469fa16570867728950', '0f8fad5b-d9cb-469f-a165-70867728950', '0f8fad5b+d9cb-469f-a165-70867728950e', 'z'.repeat(32), ' 0f8fad5bd9cb469fa16570867728950e'.slice(0, 32)]) {
      expect(parseUuid(s), s).toBeUndefined();
      expect(() => uuidFromString(s)).toThrow(MessageError);
    }
    expect(() => uuidFromString('nope')).toThrow('invalid UUID "nope": expected 32 hex digits or the 36-character 8-4-4-4-12 form');
    expect(() => uuidToString(new Uint8Array(15))).toThrow('a UUID is 16 bytes, got 15');
  });
});
