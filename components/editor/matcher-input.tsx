'use client';

import { Input } from '@/components/ui/input';
import type { MatcherErrorView } from '@/lib/engine';

/** The message matcher, with a syntax error shown under the character it points at. */
export function MatcherInput({
  value,
  onChange,
  onRun,
  error,
  fieldError,
}: {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  error: MatcherErrorView | null;
  fieldError?: string;
}) {
  const position = error ? Math.max(0, Math.min(error.position, value.length)) : 0;
  return (
    <div>
      <Input
        id="matcher"
        className="font-mono text-[13px]"
        value={value}
        spellCheck={false}
        autoComplete="off"
        placeholder="Type == 'telemetry' && Fields[docType] == 'main'"
        invalid={Boolean(error || fieldError)}
        aria-describedby={error ? 'matcher-error-text' : undefined}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            onRun();
          }
        }}
      />
      {error ? (
        <div id="matcher-error" role="alert" className="mt-1.5 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-[13px] text-red-900" data-testid="matcher-error">
          <pre aria-hidden className="overflow-x-auto font-mono text-xs leading-5 text-slate-800">
            {value}
            {'\n'}
            <span className="text-red-600">{' '.repeat(position)}^</span>
          </pre>
          {/* The caret shows where; the text says what, once (the engine's reason carries no position). */}
          <p id="matcher-error-text" className="mt-1">
            Position {error.position}: {error.message}
          </p>
        </div>
      ) : fieldError ? (
        <p role="alert" className="mt-1 text-[13px] text-red-700">
          {fieldError}
        </p>
      ) : null}
    </div>
  );
}
