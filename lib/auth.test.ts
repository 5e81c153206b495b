import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from './db';
import { setUpTestDatabase } from './testing/api-harness';
import { createUserWithNamespace, isEmailDomainAllowed } from './auth';

let cleanUp: () => Promise<void>;
beforeAll(async () => {
  ({ cleanUp } = await setUpTestDatabase());
});
afterAll(() => cleanUp());

const newUser = (email: string) => ({ id: '', email, emailVerified: null, name: null });

describe('createUserWithNamespace', () => {
  it('derives the namespace from the e-mail and suffixes collisions', async () => {
    const first = await createUserWithNamespace(newUser('A.B@one.example'));
    const second = await createUserWithNamespace(newUser('a_b@two.example'));
    const third = await createUserWithNamespace(newUser('a-b@three.example'));
    const rows = await db().user.findMany({ where: { id: { in: [first.id, second.id, third.id] } }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => [r.email, r.namespace])).toEqual([
      ['a.b@one.example', 'a_b'],
      ['a_b@two.example', 'a_b_2'],
      ['a-b@three.example', 'a_b_3'],
    ]);
  });

  it('refuses a second user with the same e-mail', async () => {
    await expect(createUserWithNamespace(newUser('a.b@one.example'))).rejects.toThrow();
  });
});

describe('isEmailDomainAllowed', () => {
  it('allows anyone when no domain is configured, otherwise only those domains', () => {
    expect(isEmailDomainAllowed('x@anything.org', [])).toBe(true);
    expect(isEmailDomainAllowed('x@Mozilla.com', ['mozilla.com'])).toBe(true);
    expect(isEmailDomainAllowed('x@evil-mozilla.com', ['mozilla.com'])).toBe(false);
    expect(isEmailDomainAllowed('x@mozilla.com.evil.org', ['mozilla.com'])).toBe(false);
  });
});
