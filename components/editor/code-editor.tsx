'use client';

import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor';
import { Spinner } from '@/components/ui/spinner';
import { usePrefersDark } from '@/components/ui/use-prefers-dark';
import { addPluginApiTypes, configureMonaco, EDITOR_THEMES } from './monaco-setup';

export interface FailingLine {
  line: number;
  column?: number;
  message: string;
}

/**
 * The plugin's JavaScript in Monaco. Uncontrolled (defaultValue): a
 * controlled value loses keystrokes when typing fast; replace the text by
 * remounting with a new `key`.
 */
export function CodeEditor({
  defaultValue,
  onChange,
  failingLine,
  pluginApiTypes,
  height = 420,
}: {
  defaultValue: string;
  onChange: (value: string) => void;
  failingLine: FailingLine | null;
  pluginApiTypes: string | null;
  height?: number | string;
}) {
  const [ready, setReady] = useState(false);
  const dark = usePrefersDark();
  // State, not refs: the marking effect must run again once the editor exists.
  const [mounted, setMounted] = useState<{ editor: Monaco.editor.IStandaloneCodeEditor; monaco: typeof Monaco } | null>(null);
  const [marked, setMarked] = useState<number | null>(null);
  const decorations = useRef<Monaco.editor.IEditorDecorationsCollection | null>(null);

  useEffect(() => {
    let cancelled = false;
    void configureMonaco().then(() => {
      if (!cancelled) setReady(true);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    if (ready && pluginApiTypes) addPluginApiTypes(pluginApiTypes);
  }, [ready, pluginApiTypes]);

  // Mark the line Test Plugin reported, in the gutter, the text and as a marker with its message.
  useEffect(() => {
    if (!mounted) return;
    const { editor, monaco } = mounted;
    const model = editor.getModel();
    if (!model) return;
    decorations.current?.clear();
    monaco.editor.setModelMarkers(model, 'foresight-test', []);
    setMarked(null);
    if (!failingLine || failingLine.line < 1 || failingLine.line > model.getLineCount()) return;
    const { line } = failingLine;
    decorations.current = editor.createDecorationsCollection([
      {
        range: new monaco.Range(line, 1, line, 1),
        options: { isWholeLine: true, className: 'failing-line', glyphMarginClassName: 'failing-line-glyph', glyphMarginHoverMessage: { value: failingLine.message } },
      },
    ]);
    monaco.editor.setModelMarkers(model, 'foresight-test', [
      {
        severity: monaco.MarkerSeverity.Error,
        message: failingLine.message,
        startLineNumber: line,
        startColumn: failingLine.column ?? model.getLineFirstNonWhitespaceColumn(line) ?? 1,
        endLineNumber: line,
        endColumn: model.getLineMaxColumn(line),
      },
    ]);
    editor.revealLineInCenterIfOutsideViewport(line);
    setMarked(line);
  }, [failingLine, mounted]);

  const onMount: OnMount = (editor, monaco) => {
    setMounted({ editor, monaco: monaco as unknown as typeof Monaco });
  };

  if (!ready) {
    return (
      <div style={{ height }} className="flex items-center justify-center gap-2 text-sm text-slate-500">
        <Spinner /> Loading the editor…
      </div>
    );
  }
  return (
    <div className="h-full" data-failing-line={marked ?? undefined}>
    <Editor
      height={height}
      defaultLanguage="javascript"
      defaultPath="file:///foresight/plugin.js"
      defaultValue={defaultValue}
      theme={dark ? EDITOR_THEMES.dark : EDITOR_THEMES.light}
      onChange={(value) => onChange(value ?? '')}
      onMount={onMount}
      loading={
        <div className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner /> Loading the editor…
        </div>
      }
      options={{
        minimap: { enabled: false },
        fontSize: 13,
        lineHeight: 20,
        tabSize: 2,
        glyphMargin: true,
        scrollBeyondLastLine: false,
        automaticLayout: true,
        renderLineHighlight: 'line',
        padding: { top: 8, bottom: 8 },
        fixedOverflowWidgets: true,
        ariaLabel: 'Plugin code',
        // What is typed is what is kept: the tutorial's reader types whole
        // functions by hand, and auto-closed brackets and quotes then come out
        // doubled, auto-indent adds to the indentation typed (drifting right a
        // level per line), and Enter or a ';' accepts a suggestion instead of
        // ending the line. Tab still accepts a suggestion.
        autoClosingBrackets: 'never',
        autoClosingQuotes: 'never',
        autoClosingComments: 'never',
        autoSurround: 'never',
        autoIndent: 'none',
        formatOnType: false,
        formatOnPaste: false,
        acceptSuggestionOnEnter: 'off',
        acceptSuggestionOnCommitCharacter: false,
        // Unused code is drawn faded (below AA contrast), which reads as disabled to a newcomer mid-typing.
        showUnused: false,
      }}
    />
    </div>
  );
}
