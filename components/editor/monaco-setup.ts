'use client';

/**
 * Monaco from our own bundle, never a CDN: @monaco-editor/react is handed the
 * local module before it loads anything, and the workers are bundled too.
 * Memoized because React StrictMode runs effects twice.
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';

type MonacoEnvironmentHost = typeof globalThis & {
  MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
};

let configured: Promise<typeof monaco> | null = null;

/** The editor's themes, light and dark (defined in configureMonaco). */
export const EDITOR_THEMES = { light: 'foresight-light', dark: 'foresight-dark' } as const;

export function configureMonaco(): Promise<typeof monaco> {
  if (configured) return configured;
  (self as MonacoEnvironmentHost).MonacoEnvironment = {
    getWorker(_workerId: string, label: string) {
      if (label === 'typescript' || label === 'javascript') {
        return new Worker(new URL('monaco-editor/language/typescript/ts.worker', import.meta.url), { type: 'module' });
      }
      return new Worker(new URL('monaco-editor/editor/editor.worker', import.meta.url), { type: 'module' });
    },
  };
  loader.config({ monaco });
  const defaults = monaco.typescript.javascriptDefaults;
  defaults.setCompilerOptions({
    target: monaco.typescript.ScriptTarget.ES2020,
    allowNonTsExtensions: true,
    // Without the plugin API's definitions every host function would be flagged unknown.
    checkJs: false,
    noLib: false,
    lib: ['es2020'],
  });
  defaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
  // Monaco's own themes with comments at AA contrast (4.5:1): vs-dark's
  // #608b4e on #1e1e1e is 4.2:1, and comments carry the tutorial's explanations.
  monaco.editor.defineTheme(EDITOR_THEMES.light, { base: 'vs', inherit: true, rules: [], colors: {} });
  monaco.editor.defineTheme(EDITOR_THEMES.dark, { base: 'vs-dark', inherit: true, rules: [{ token: 'comment', foreground: '7fae6a' }], colors: {} });
  configured = loader.init().then(() => monaco);
  return configured;
}

/** Adds the plugin API's type definitions (completion and hover docs), once. */
let apiLib: monaco.IDisposable | null = null;
export function addPluginApiTypes(source: string): void {
  apiLib?.dispose();
  const defaults = monaco.typescript.javascriptDefaults;
  apiLib = defaults.addExtraLib(source, 'file:///foresight/plugin-api.d.ts');
  defaults.setCompilerOptions({ ...defaults.getCompilerOptions(), checkJs: true });
}
