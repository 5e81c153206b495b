import { describe, expect, it } from 'vitest';
import { namespaceFromEmail, uniqueNamespace } from './namespace';

describe('namespaceFromEmail', () => {
  it('lower-cases the local part and turns other characters into _', () => {
    expect(namespaceFromEmail('Alice.Smith+cep@Example.com')).toBe('alice_smith_cep');
    expect(namespaceFromEmail('trink@mozilla.com')).toBe('trink');
    expect(namespaceFromEmail('ünï-côde@x.org')).toBe('_n__c_de');
    expect(namespaceFromEmail('@x.org')).toBe('user');
  });
});

describe('uniqueNamespace', () => {
  it('suffixes _2, _3 ... on collision', async () => {
    const taken = new Set(['a_b', 'a_b_2']);
    expect(await uniqueNamespace('a_b', async (c) => taken.has(c))).toBe('a_b_3');
    expect(await uniqueNamespace('free', async (c) => taken.has(c))).toBe('free');
  });
});
