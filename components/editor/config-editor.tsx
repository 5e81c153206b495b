'use client';

import { Plus, X } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { FieldError, Input, Label } from '@/components/ui/input';
import { LIMIT_CONFIG_KEY_NAMES, type PluginConfig } from '@/lib/validations/plugin';
import { firstOutputHint } from './first-output-hint';

type UserValue = string | number | boolean;

/** Rows as typed; values that read as numbers or booleans are sent as such. */
function parseValue(text: string): UserValue {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed !== '' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed);
  return text;
}

interface Row {
  key: string;
  value: string;
}

function rowsOf(user: Record<string, UserValue>): Row[] {
  return Object.entries(user).map(([key, value]) => ({ key, value: String(value) }));
}

export function userConfigOf(rows: Row[]): Record<string, UserValue> {
  const user: Record<string, UserValue> = {};
  for (const row of rows) if (row.key.trim()) user[row.key.trim()] = parseValue(row.value);
  return user;
}

/** ticker_interval, preserve_data and the plugin's own keys (read with read_config). */
export function ConfigEditor({
  config,
  onChange,
  errors,
}: {
  config: PluginConfig;
  onChange: (config: PluginConfig) => void;
  errors: Record<string, string>;
}) {
  const [rows, setRows] = useState<Row[]>(() => rowsOf(config.user));
  const [tickerText, setTickerText] = useState(String(config.ticker_interval));

  const updateRows = (next: Row[]) => {
    setRows(next);
    onChange({ ...config, user: userConfigOf(next) });
  };

  const userErrors = Object.entries(errors).filter(([path]) => path.startsWith('config.user'));

  return (
    <div className="grid gap-4 sm:grid-cols-[180px_1fr]">
      <div className="space-y-3">
        <div>
          <Label htmlFor="ticker-interval">ticker_interval (s)</Label>
          <Input
            id="ticker-interval"
            inputMode="numeric"
            className="mt-1 font-mono"
            value={tickerText}
            invalid={Boolean(errors['config.ticker_interval'])}
            aria-describedby={errors['config.ticker_interval'] ? undefined : 'ticker-interval-hint'}
            onChange={(event) => {
              setTickerText(event.target.value);
              const n = Number(event.target.value);
              onChange({ ...config, ticker_interval: event.target.value.trim() === '' ? Number.NaN : n });
            }}
          />
          <FieldError>{errors['config.ticker_interval']}</FieldError>
          {errors['config.ticker_interval'] ? null : (
            <p id="ticker-interval-hint" className="mt-1 text-xs text-slate-500" data-testid="first-output-hint">
              {firstOutputHint(config.ticker_interval, 'planned')}
            </p>
          )}
        </div>
        <label className="flex items-center gap-2 text-[13px] text-slate-700">
          <input
            type="checkbox"
            className="h-4 w-4 rounded border-slate-300 accent-teal-700"
            checked={config.preserve_data}
            onChange={(event) => onChange({ ...config, preserve_data: event.target.checked })}
          />
          <span className="font-medium">preserve_data</span>
        </label>
        <p className="text-xs text-slate-500">Keep the plugin&apos;s state across restarts.</p>
      </div>
      <div>
        <div className="flex items-center justify-between">
          <span className="text-[13px] font-medium text-slate-700">Your keys</span>
          <Button size="sm" variant="ghost" onClick={() => updateRows([...rows, { key: '', value: '' }])}>
            <Plus className="h-4 w-4" /> Add key
          </Button>
        </div>
        {rows.length === 0 ? (
          <p className="mt-1 text-xs text-slate-500">
            None. Keys you add here are read in the plugin with <code className="font-mono">read_config(&quot;key&quot;)</code>.
          </p>
        ) : (
          <ul className="mt-1 space-y-1.5">
            {rows.map((row, i) => (
              <li key={i} className="flex items-center gap-1.5">
                <Input
                  aria-label={`Key ${i + 1}`}
                  placeholder="key"
                  className="h-8 w-40 font-mono text-[13px]"
                  value={row.key}
                  invalid={Boolean(errors[`config.user.${row.key.trim()}`])}
                  onChange={(event) => updateRows(rows.map((r, j) => (j === i ? { ...r, key: event.target.value } : r)))}
                />
                <span className="text-slate-500">=</span>
                <Input
                  aria-label={`Value ${i + 1}`}
                  placeholder="value"
                  className="h-8 flex-1 font-mono text-[13px]"
                  value={row.value}
                  onChange={(event) => updateRows(rows.map((r, j) => (j === i ? { ...r, value: event.target.value } : r)))}
                />
                <Button size="icon" variant="ghost" aria-label={`Remove key ${row.key || i + 1}`} onClick={() => updateRows(rows.filter((_, j) => j !== i))}>
                  <X className="h-4 w-4" />
                </Button>
              </li>
            ))}
          </ul>
        )}
        {userErrors.map(([path, message]) => (
          <FieldError key={path}>
            {path.replace('config.user.', '')}: {message}
          </FieldError>
        ))}
      </div>
      {/* Limits this text asks for (set through the API, or saved under a higher cap) that the server refuses. */}
      {LIMIT_CONFIG_KEY_NAMES.some((key) => errors[`config.${key}`]) ? (
        <div className="sm:col-span-2">
          {LIMIT_CONFIG_KEY_NAMES.filter((key) => errors[`config.${key}`]).map((key) => (
            <FieldError key={key}>{errors[`config.${key}`]}</FieldError>
          ))}
        </div>
      ) : null}
    </div>
  );
}
