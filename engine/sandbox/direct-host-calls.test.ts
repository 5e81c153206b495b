/** Host functions called through callHostFunctionsDirectly behave as through the library's own path. */
import type { QuickJSContext } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { callHostFunctionsDirectly } from './direct-host-calls';
import { newPluginModule } from './quickjs-module';

async function context(): Promise<QuickJSContext> {
  const { module } = await newPluginModule(8 * 1024 * 1024);
  return module.newRuntime().newContext();
}

describe('callHostFunctionsDirectly', () => {
  it('is installed on this quickjs-emscripten, and host functions return, throw and see their arguments as before', async () => {
    const ctx = await context();
    expect(callHostFunctionsDirectly(ctx)).toBe(true);
    const fns: [string, Parameters<QuickJSContext['newFunction']>[1]][] = [
      ['add', (a, b) => ctx.newNumber(ctx.getNumber(a) + ctx.getNumber(b))],
      ['argc', (...args) => ctx.newNumber(args.length)],
      ['concat', (...args) => ctx.newString(args.map((h) => ctx.getString(h)).join('+'))],
      ['yes', () => ctx.true],
      ['nothing', () => undefined],
      ['fail', () => {
        throw new TypeError('host says no');
      }],
    ];
    for (const [name, fn] of fns) {
      const f = ctx.newFunction(name, fn);
      ctx.setProp(ctx.global, name, f);
      f.dispose();
    }
    const r = ctx.evalCode(`
      let caught;
      try { fail(); } catch (e) { caught = [e instanceof Error, e.name, e.message]; }
      // Many calls: borrowed argument handles must not leak or be freed early.
      let sum = 0;
      for (let i = 0; i < 5000; i++) sum = add(sum, i);
      [add(2, 3), argc(), argc(1, 2, 3), concat("a", "b", "c"), yes(), typeof nothing(), caught, sum]`);
    expect(ctx.dump(ctx.unwrapResult(r))).toEqual([5, 0, 3, 'a+b+c', true, 'undefined', [true, 'TypeError', 'host says no'], 12497500]);
    ctx.dispose();
  });

  it('leaves a context alone whose internals are not the ones it knows', () => {
    const unknown = { cToHostCallbacks: { callFunction: () => 0 } } as unknown as QuickJSContext;
    const before = (unknown as unknown as { cToHostCallbacks: { callFunction: unknown } }).cToHostCallbacks.callFunction;
    expect(callHostFunctionsDirectly(unknown)).toBe(false);
    expect((unknown as unknown as { cToHostCallbacks: { callFunction: unknown } }).cToHostCallbacks.callFunction).toBe(before);
  });
});
