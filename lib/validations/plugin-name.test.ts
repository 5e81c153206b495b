/** Plugin name messages: a typed `<namespace>.<name>` is refused for the real reason, with what to type instead. */
import { describe, expect, it } from 'vitest';
import { pluginNameProblem, pluginNameSchema } from './plugin';

describe('pluginNameProblem', () => {
  it('accepts a good name', () => {
    expect(pluginNameProblem('example')).toBeUndefined();
    expect(pluginNameProblem(' counts_by-type2 ', 'bob')).toBeUndefined();
  });

  it("says a prefix is not the person's namespace, and what to type", () => {
    expect(pluginNameProblem('alice.example', 'bob')).toBe(
      '"alice" is not your namespace: plugin names are <your namespace>.<name>, and yours is "bob"; type only the name, "example"',
    );
  });

  it('says their own namespace is added for them', () => {
    expect(pluginNameProblem('bob.example', 'bob')).toMatch(/^Leave out "bob\.": .*type only the name, "example"$/);
  });

  it('without the namespace (the server), still names the rule rather than the characters', () => {
    expect(pluginNameProblem('alice.example')).toMatch(/^No dots: plugin names are <your namespace>\.<name>/);
    expect(pluginNameProblem('a.b.9x', 'bob')).toMatch(/type only the name, without dots$/);
  });

  it('keeps the other rules', () => {
    expect(pluginNameProblem('   ')).toBe('Give the plugin a name');
    expect(pluginNameProblem('x'.repeat(65))).toBe('At most 64 characters');
    expect(pluginNameProblem('9lives')).toBe('Start with a letter; then letters, digits, _ or -');
  });

  it('is what the schema reports, on the trimmed name', () => {
    expect(pluginNameSchema.parse('  example ')).toBe('example');
    const result = pluginNameSchema.safeParse('alice.example');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([pluginNameProblem('alice.example')]);
  });
});
