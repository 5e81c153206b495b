/**
 * A user's plugin namespace: the e-mail's local part in lower case, every
 * character other than a-z and 0-9 turned into `_`. Plugins publish as
 * `<namespace>.<plugin>`, so a namespace never holds a dot.
 */
export function namespaceFromEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = (at >= 0 ? email.slice(0, at) : email).toLowerCase();
  const namespace = local.replace(/[^a-z0-9]/g, '_');
  return namespace || 'user';
}

/**
 * The first free namespace of `base`, `base_2`, `base_3`, ... Two people whose
 * local parts map to the same namespace (a.b@x and a_b@y) both get one.
 */
export async function uniqueNamespace(base: string, isTaken: (candidate: string) => Promise<boolean>): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const candidate = n === 1 ? base : `${base}_${n}`;
    if (!(await isTaken(candidate))) return candidate;
  }
  throw new Error(`No free namespace for "${base}"`);
}
