/**
 * One QuickJS Wasm instance per plugin, so a Wasm abort in one plugin
 * (a trap, an emscripten abort) cannot take the others down. The Wasm code is
 * compiled once per process and instantiated per plugin, which is what makes
 * an instance cheap (a few ms, well under 1 MiB resident while idle).
 *
 * Each instance gets its own WebAssembly.Memory with a maximum: that is the
 * plugin's hard memory cap. QuickJS's own limit (setMemoryLimit) cannot see
 * allocation sizes in this build ("malloc_usable_size unavailable"), so it
 * counts about 8 bytes per allocation and only refuses single allocations
 * larger than the limit; without the Wasm maximum a plugin could grow its
 * heap to 2 GiB.
 */
import RELEASE_SYNC from '@jitl/quickjs-wasmfile-release-sync';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { newQuickJSWASMModule, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten';

const PAGE = 64 * 1024;
/** The module's declared minimum memory: 16 MiB. */
const MIN_PAGES = 256;
/**
 * Wasm memory the instance uses before the plugin allocates anything (static
 * data, the C stack, the QuickJS runtime): 16 MiB leaves about 10.7 MiB of heap.
 */
export const WASM_BASE_BYTES = 5.5 * 1024 * 1024;

let compiled: Promise<WebAssembly.Module | undefined> | undefined;
let variant: Promise<QuickJSSyncVariant> | undefined;

/**
 * The release-sync variant with its two dynamic imports done once: left to
 * itself it re-imports its FFI and Emscripten loader for every instance,
 * which costs more than the instance when a loader hook (tsx, a bundler) is
 * in the way.
 */
function loadedVariant(): Promise<QuickJSSyncVariant> {
  variant ??= (async () => {
    const [ffi, loader] = await Promise.all([RELEASE_SYNC.importFFI(), RELEASE_SYNC.importModuleLoader()]);
    return { ...RELEASE_SYNC, importFFI: async () => ffi, importModuleLoader: async () => loader };
  })();
  return variant;
}

function compileOnce(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    try {
      const path = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
      return await WebAssembly.compile(await readFile(path));
    } catch {
      // e.g. bundled where the .wasm path cannot be resolved: the variant loads it itself.
      return undefined;
    }
  })();
  return compiled;
}

/** The Wasm memory maximum, in bytes, for a plugin heap of `heapBytes` (never below the module's 16 MiB). */
export function wasmMemoryCap(heapBytes: number): number {
  return Math.max(MIN_PAGES, Math.ceil((heapBytes + WASM_BASE_BYTES) / PAGE)) * PAGE;
}

/** A plugin's Wasm memory, and whether it has hit its cap (a heap growth was refused) since `exhausted` was last cleared. */
export interface PluginMemory {
  memory: WebAssembly.Memory;
  exhausted: boolean;
}

/**
 * A fresh QuickJS Wasm instance, not shared with any other plugin, and its
 * memory, which cannot grow past wasmMemoryCap(heapBytes).
 */
export async function newPluginModule(heapBytes: number): Promise<{ module: QuickJSWASMModule; heap: PluginMemory }> {
  const wasmModule = await compileOnce();
  const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: wasmMemoryCap(heapBytes) / PAGE });
  const heap: PluginMemory = { memory, exhausted: false };
  // Emscripten's malloc grows the heap through memory.grow and treats a throw as
  // "no memory"; noting it tells an out-of-memory apart from a plain `throw null`,
  // which is all QuickJS can throw when not even its error object fits.
  const grow = memory.grow.bind(memory);
  Object.defineProperty(memory, 'grow', {
    value: (pages: number): number => {
      try {
        return grow(pages);
      } catch (err) {
        heap.exhausted = true;
        throw err;
      }
    },
  });
  const module = await newQuickJSWASMModule(
    newVariant(await loadedVariant(), wasmModule ? { wasmModule, wasmMemory: memory } : { wasmMemory: memory }),
  );
  return { module, heap };
}
