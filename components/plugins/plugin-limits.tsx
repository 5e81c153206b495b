'use client';

/**
 * A plugin's effective limits in the Plugins table: a compact summary (CPU
 * per call · memory) on a button that opens a card with every limit, the
 * server's cap beside it, and where the value comes from: asked for by the
 * plugin, the default, or cut to the cap. Limits are the platform's: a plugin
 * may ask for less than the cap, never more.
 *
 * The card opens on hover and on click (Enter/Space); Escape, a second click
 * or leaving it closes it. It is positioned fixed because the table scrolls
 * sideways in a clipped container.
 */
import { Gauge } from 'lucide-react';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { cn, formatCount } from '@/lib/utils';
import { LIMIT_CONFIG_KEY_NAMES, LIMIT_CONFIG_KEYS, type EffectiveLimitView, type LimitConfigKey, type PluginLimitsView } from '@/lib/validations/plugin';

const CARD_WIDTH = 340;
const CLOSE_DELAY_MS = 150;

/** Bytes as a whole unit when exact (8 MiB, 64 KiB), else one decimal. */
function bytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= size) return `${Number.isInteger(n / size) ? n / size : (n / size).toFixed(1)} ${unit}`;
  }
  return `${n} B`;
}

function ms(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000} s` : `${formatCount(n)} ms`;
}

/** A limit's value in its unit, as people read it. */
export function formatLimit(key: LimitConfigKey, n: number): string {
  if (key === 'cpu_limit_ms') return ms(n);
  if (key === 'memory_limit' || key === 'output_limit') return bytes(n);
  return formatCount(n);
}

function origin(key: LimitConfigKey, l: EffectiveLimitView): { text: string; cut: boolean } {
  if (l.asked !== undefined && l.asked > l.cap) return { text: `cut to the cap (asked ${formatLimit(key, l.asked)})`, cut: true };
  if (l.asked === undefined && l.value === l.cap) return { text: 'default, cut to the cap', cut: true };
  return { text: l.asked !== undefined ? 'asked for' : 'default', cut: false };
}

export function PluginLimits({ id, limits }: { id: string; limits: PluginLimitsView | null | undefined }) {
  const [open, setOpen] = useState<null | 'hover' | 'pinned'>(null);
  const [at, setAt] = useState<{ top?: number; bottom?: number; left: number }>({ left: 0 });
  const button = useRef<HTMLButtonElement>(null);
  const closeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const cardId = useId();
  const titleId = useId();

  const place = useCallback(() => {
    const rect = button.current?.getBoundingClientRect();
    if (!rect) return;
    const left = Math.min(Math.max(8, rect.right - CARD_WIDTH), window.innerWidth - CARD_WIDTH - 8);
    // Below the button when the card fits there, else above it.
    setAt(rect.bottom + 260 < window.innerHeight ? { top: rect.bottom + 6, left } : { bottom: window.innerHeight - rect.top + 6, left });
  }, []);

  const show = (how: 'hover' | 'pinned') => {
    clearTimeout(closeTimer.current);
    place();
    setOpen((current) => (current === 'pinned' ? current : how));
  };
  const hideSoon = () => {
    clearTimeout(closeTimer.current);
    closeTimer.current = setTimeout(() => setOpen((current) => (current === 'hover' ? null : current)), CLOSE_DELAY_MS);
  };

  // A fixed card would drift from its row when the page scrolls: close it instead.
  useEffect(() => {
    if (!open) return;
    const close = () => setOpen(null);
    window.addEventListener('scroll', close, true);
    window.addEventListener('resize', close);
    return () => {
      window.removeEventListener('scroll', close, true);
      window.removeEventListener('resize', close);
    };
  }, [open]);
  useEffect(() => () => clearTimeout(closeTimer.current), []);

  if (!limits) return <span className="text-slate-400">—</span>;
  const anyCut = LIMIT_CONFIG_KEY_NAMES.some((key) => origin(key, limits[key]).cut);

  return (
    <span className="inline-block" onMouseEnter={() => show('hover')} onMouseLeave={hideSoon}>
      <button
        ref={button}
        type="button"
        aria-expanded={open !== null}
        aria-controls={cardId}
        // Ends with the visible text, so a voice-control user can say what they see (WCAG 2.5.3).
        aria-label={`Limits of ${id}: ${formatLimit('cpu_limit_ms', limits.cpu_limit_ms.value)} CPU per call, ${formatLimit('memory_limit', limits.memory_limit.value)} memory; ${formatLimit('cpu_limit_ms', limits.cpu_limit_ms.value)} · ${formatLimit('memory_limit', limits.memory_limit.value)}`}
        onClick={() => (open === 'pinned' ? setOpen(null) : show('pinned'))}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && open) {
            event.stopPropagation();
            setOpen(null);
          }
        }}
        className={cn(
          'inline-flex items-center gap-1.5 whitespace-nowrap rounded-md px-1.5 py-1 font-mono text-xs tabular-nums text-slate-700',
          'ring-1 ring-inset ring-slate-200 hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-teal-600',
          open && 'bg-slate-100',
        )}
      >
        <Gauge className={cn('h-3.5 w-3.5', anyCut ? 'text-amber-600' : 'text-slate-400')} aria-hidden />
        {formatLimit('cpu_limit_ms', limits.cpu_limit_ms.value)} · {formatLimit('memory_limit', limits.memory_limit.value)}
      </button>
      <div
        id={cardId}
        role="group"
        aria-labelledby={titleId}
        hidden={open === null}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            setOpen(null);
            button.current?.focus();
          }
        }}
        style={{ position: 'fixed', width: CARD_WIDTH, ...at }}
        className="z-50 rounded-lg border border-slate-200 bg-white p-3 text-left shadow-lg"
      >
        <p id={titleId} className="text-[13px] font-semibold text-slate-900">
          Limits of <span className="font-mono">{id}</span>
        </p>
        <p className="mt-0.5 text-xs text-slate-500">Set by this server. A plugin may ask for less than the cap, never more.</p>
        <table className="mt-2 w-full text-xs">
          <thead className="text-slate-500">
            <tr>
              <th scope="col" className="py-1 pr-2 text-left font-medium">
                Limit
              </th>
              <th scope="col" className="py-1 pr-2 text-right font-medium">
                Runs with
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                Cap
              </th>
            </tr>
          </thead>
          <tbody>
            {LIMIT_CONFIG_KEY_NAMES.map((key) => {
              const l = limits[key];
              const from = origin(key, l);
              return (
                <tr key={key} className="border-t border-slate-100 align-top" data-limit={key}>
                  <th scope="row" className="py-1.5 pr-2 text-left font-normal">
                    <span className="block text-slate-800">{LIMIT_CONFIG_KEYS[key].label}</span>
                    <span className="block font-mono text-[11px] text-slate-400">{key}</span>
                  </th>
                  <td className="py-1.5 pr-2 text-right">
                    <span className="block font-mono font-medium tabular-nums text-slate-900">{formatLimit(key, l.value)}</span>
                    <span className={cn('block text-[11px]', from.cut ? 'text-amber-700' : 'text-slate-400')}>{from.text}</span>
                  </td>
                  <td className="py-1.5 text-right font-mono tabular-nums text-slate-500">{formatLimit(key, l.cap)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </span>
  );
}
