import { describe, expect, it } from 'vitest';
import { compareOwnFirst, keyMatches, ownerOfKey, pageAffected, pageOf } from './list-page';
import { listPageQueryFrom } from './validations/list-page';

const ids = ['bob.a', 'alice.z', 'carol.m', 'alice.b', 'bob.x'];
const query = (q: Partial<ReturnType<typeof listPageQueryFrom>> = {}) => ({ ...listPageQueryFrom({}), ...q });

describe('pageOf', () => {
  it('puts the viewer’s own rows first, then the others by key, a page at a time', () => {
    expect(pageOf(ids, (k) => k, query({ limit: 3 }), 'bob')).toEqual({ items: ['bob.a', 'bob.x', 'alice.b'], total: 5, offset: 0, limit: 3 });
    expect(pageOf(ids, (k) => k, query({ limit: 3, offset: 3 }), 'bob').items).toEqual(['alice.z', 'carol.m']);
    expect(pageOf(ids, (k) => k, query({ offset: 10 }), 'bob')).toEqual({ items: [], total: 5, offset: 10, limit: 50 });
  });

  it('filters by search text (any case) and by "only mine"', () => {
    expect(pageOf(ids, (k) => k, query({ q: 'ALICE.' }), 'bob').items).toEqual(['alice.b', 'alice.z']);
    expect(pageOf(ids, (k) => k, query({ scope: 'mine' }), 'alice').items).toEqual(['alice.b', 'alice.z']);
    expect(pageOf(['analysis.alice.p.n.txt', 'analysis.bob.p.n.txt'], (k) => k, query({ scope: 'mine' }), 'bob').items).toEqual(['analysis.bob.p.n.txt']);
  });

  it('reads the owner of plugin ids and output names alike', () => {
    expect(ownerOfKey('alice.p')).toBe('alice');
    expect(ownerOfKey('analysis.alice.p.n.txt')).toBe('alice');
    expect(compareOwnFirst('zed', 'zed.a', 'alice.a')).toBeLessThan(0);
    expect(keyMatches({ q: '', scope: 'mine' }, 'alice', 'alicex.p')).toBe(false);
  });
});

describe('pageAffected', () => {
  const page = { keys: ['bob.a', 'bob.x', 'alice.b'], query: query() };

  it('is true when a row that passes the page’s query comes or goes, or a shown row goes', () => {
    expect(pageAffected(page, 'bob', { added: [], removed: ['bob.x'] })).toBe(true);
    expect(pageAffected(page, 'bob', { added: ['zed.z'], removed: [] })).toBe(true);
    expect(pageAffected(page, 'bob', { added: [], removed: ['carol.q'] })).toBe(true);
    expect(pageAffected(page, 'bob', { added: [], removed: [], many: true })).toBe(true);
    expect(pageAffected({ ...page, query: query({ q: 'x' }) }, 'bob', { added: [], removed: ['bob.x'] })).toBe(true);
  });

  it('is false for rows the page’s search or scope leaves out', () => {
    expect(pageAffected({ ...page, query: query({ q: 'x' }) }, 'bob', { added: ['alice.a'], removed: ['carol.m'] })).toBe(false);
    expect(pageAffected({ ...page, query: query({ scope: 'mine' }) }, 'bob', { added: ['alice.a'], removed: [] })).toBe(false);
    expect(pageAffected(page, 'bob', { added: [], removed: [] })).toBe(false);
  });
});

describe('listPageQueryFrom', () => {
  it('takes defaults for absent parameters and numbers from strings', () => {
    expect(listPageQueryFrom(new URLSearchParams())).toEqual({ offset: 0, limit: 50, q: '', scope: 'all' });
    expect(listPageQueryFrom(new URLSearchParams('offset=100&limit=20&q=abc&scope=mine'))).toEqual({ offset: 100, limit: 20, q: 'abc', scope: 'mine' });
  });

  it('refuses bad values with what is wrong', () => {
    expect(() => listPageQueryFrom(new URLSearchParams('limit=500'))).toThrow('limit must be at most 200');
    expect(() => listPageQueryFrom(new URLSearchParams('limit=0'))).toThrow('limit must be 1 or more');
    expect(() => listPageQueryFrom(new URLSearchParams('offset=-1'))).toThrow('offset must be 0 or more');
    expect(() => listPageQueryFrom(new URLSearchParams('offset=abc'))).toThrow('offset must be a whole number');
    expect(() => listPageQueryFrom(new URLSearchParams('scope=theirs'))).toThrow("scope must be 'all' or 'mine'");
  });
});
