'use client';

import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { cn } from '@/lib/utils';

export interface MenuItem {
  label: string;
  icon?: React.ComponentType<{ className?: string }>;
  onSelect: () => void;
  disabled?: boolean;
  danger?: boolean;
  /** Why it is disabled: shown on hover (title) and read as the item's description. */
  hint?: string;
}

/**
 * A context menu at a point (right-click position, or under a button when
 * opened from the keyboard). Arrow keys, Home/End move, Enter selects,
 * Escape closes and hands focus back to the opener. Disabled items stay in
 * the arrow-key order (aria-disabled, as the ARIA menu pattern has it), so a
 * keyboard or screen-reader user hears them and why they are disabled.
 */
export function ContextMenu({
  at,
  items,
  label,
  onClose,
}: {
  at: { x: number; y: number } | null;
  items: MenuItem[];
  label: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const hintIdBase = useId();
  const [position, setPosition] = useState<{ left: number; top: number } | null>(null);

  useLayoutEffect(() => {
    if (!at || !ref.current) return setPosition(null);
    const { width, height } = ref.current.getBoundingClientRect();
    setPosition({
      left: Math.max(8, Math.min(at.x, window.innerWidth - width - 8)),
      top: Math.max(8, Math.min(at.y, window.innerHeight - height - 8)),
    });
  }, [at]);

  // Focus the first item once the menu is placed (a hidden element cannot take focus).
  useEffect(() => {
    if (!position) return;
    ref.current?.querySelector<HTMLButtonElement>('[role="menuitem"]:not([aria-disabled="true"])')?.focus();
  }, [position]);

  useEffect(() => {
    if (!at) return;
    const onEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onEscape);
    const onPointer = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    const onScroll = () => onClose();
    document.addEventListener('mousedown', onPointer);
    window.addEventListener('resize', onScroll);
    return () => {
      document.removeEventListener('keydown', onEscape);
      document.removeEventListener('mousedown', onPointer);
      window.removeEventListener('resize', onScroll);
    };
  }, [at, onClose]);

  if (!at) return null;

  const onKeyDown = (event: React.KeyboardEvent) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => buttons[(to + buttons.length) % buttons.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        move(index + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        move(index - 1);
        break;
      case 'Home':
        event.preventDefault();
        move(0);
        break;
      case 'End':
        event.preventDefault();
        move(buttons.length - 1);
        break;
      case 'Escape':
      case 'Tab':
        event.preventDefault();
        onClose();
        break;
    }
  };

  return (
    <div
      ref={ref}
      role="menu"
      aria-label={label}
      onKeyDown={onKeyDown}
      onContextMenu={(event) => event.preventDefault()}
      style={{ left: position?.left ?? at.x, top: position?.top ?? at.y, visibility: position ? 'visible' : 'hidden' }}
      className="fixed z-50 min-w-48 rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
    >
      {items.map((item, i) => {
        const hintId = item.disabled && item.hint ? `${hintIdBase}-${i}` : undefined;
        return (
          <button
            key={item.label}
            type="button"
            role="menuitem"
            aria-disabled={item.disabled || undefined}
            aria-describedby={hintId}
            title={item.disabled ? item.hint : undefined}
            onClick={() => {
              if (item.disabled) return;
              onClose();
              item.onSelect();
            }}
            className={cn(
              'flex w-full items-center gap-2.5 px-3 py-1.5 text-left focus:outline-none',
              item.disabled
                ? 'cursor-not-allowed text-slate-500 focus:bg-slate-100'
                : item.danger
                  ? 'text-red-700 hover:bg-red-50 focus:bg-red-50'
                  : 'text-slate-800 hover:bg-slate-100 focus:bg-slate-100',
            )}
          >
            {item.icon ? <item.icon className="h-4 w-4 shrink-0 opacity-70" aria-hidden /> : null}
            {item.label}
          </button>
        );
      })}
      {/* The hints, out of the items' text and hidden: aria-describedby still reads hidden text. */}
      {items.map((item, i) =>
        item.disabled && item.hint ? (
          <span key={`hint-${item.label}`} id={`${hintIdBase}-${i}`} hidden>
            {item.hint}
          </span>
        ) : null,
      )}
    </div>
  );
}
