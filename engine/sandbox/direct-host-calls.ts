/**
 * Host functions called from QuickJS without quickjs-emscripten's general
 * call path.
 *
 * Why: its context routes every VM->host call through a generator-based scope
 * that also serves the async variants (Scope.withScopeMaybeAsync, a managed
 * WeakLifetime per argument): about 10 µs a call, so a plugin calling
 * add_to_payload() or read_message("raw") once per message ran at under
 * 100k msg/s whatever else it did. The sandbox's host functions are
 * synchronous and keep no argument handle past the call, so the call can go
 * straight to the function: the same function lookup, borrowed argument
 * handles, result and exception handling, without the scope.
 *
 * This reaches into the context's internals as quickjs-emscripten 0.32 has
 * them; when they are not all there (another version), nothing is changed and
 * the library's own path stays in use.
 */
import { Lifetime, WeakLifetime, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';

type HostFunction = (this: QuickJSHandle, ...args: QuickJSHandle[]) => unknown;

interface ContextInternals {
  ctx: { value: number };
  runtime: unknown;
  ffi: {
    QTS_ArgvGetJSValueConstPointer(argv: number, index: number): number;
    QTS_DupValuePointer(ctx: number, value: number): number;
    QTS_Throw(ctx: number, error: number): number;
  };
  cToHostCallbacks: {
    callFunction: (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number;
  };
  getFunction(fnId: number): HostFunction;
  errorToHandle(error: unknown): QuickJSHandle;
}

/** Route `context`'s host function calls directly; false (and nothing changed) when its internals are not as expected. */
export function callHostFunctionsDirectly(context: QuickJSContext): boolean {
  const c = context as unknown as Partial<ContextInternals>;
  const callbacks = c.cToHostCallbacks;
  const ffi = c.ffi;
  if (
    typeof callbacks?.callFunction !== 'function' ||
    typeof c.getFunction !== 'function' ||
    typeof c.errorToHandle !== 'function' ||
    typeof ffi?.QTS_ArgvGetJSValueConstPointer !== 'function' ||
    typeof ffi.QTS_DupValuePointer !== 'function' ||
    typeof ffi.QTS_Throw !== 'function' ||
    typeof c.ctx?.value !== 'number' ||
    c.runtime === undefined
  ) {
    return false;
  }
  const internals = c as ContextInternals;
  const owner = internals.runtime as ConstructorParameters<typeof WeakLifetime>[3];
  callbacks.callFunction = (ctx, thisPtr, argc, argv, fnId) => {
    const self = internals.ctx.value;
    if (ctx !== self) throw new Error('QuickJSContext received a host call for another context');
    const fn = internals.getFunction(fnId);
    const thisHandle = borrowed(thisPtr, owner);
    const args = new Array<QuickJSHandle>(argc);
    for (let i = 0; i < argc; i++) args[i] = borrowed(ffi.QTS_ArgvGetJSValueConstPointer(argv, i), owner);
    try {
      const result = fn.apply(thisHandle, args) as QuickJSHandle | { value?: QuickJSHandle; error?: QuickJSHandle } | undefined;
      if (!result) return 0;
      if (!(result instanceof Lifetime) && result.error) throw result.error;
      const handle = result instanceof Lifetime ? result : result.value;
      if (handle === undefined) return 0;
      try {
        return ffi.QTS_DupValuePointer(self, handle.value);
      } finally {
        handle.dispose();
      }
    } catch (error) {
      return internals.errorToHandle(error).consume((h) => ffi.QTS_Throw(self, h.value));
    }
  };
  return true;
}

/** A handle on a value the VM lends for the call (disposing it frees nothing), as the library's own path makes. */
function borrowed(pointer: number, owner: ConstructorParameters<typeof WeakLifetime>[3]): QuickJSHandle {
  return new WeakLifetime(pointer, undefined, undefined, owner) as unknown as QuickJSHandle;
}
