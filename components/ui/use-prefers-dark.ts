'use client';

import { useSyncExternalStore } from 'react';

/**
 * Whether the system asks for a dark colour scheme, kept current as it
 * changes: for what CSS cannot reach (the code editor's theme). Light on the
 * server, where there is no system to ask.
 */
const QUERY = '(prefers-color-scheme: dark)';

function subscribe(onChange: () => void): () => void {
  const media = window.matchMedia(QUERY);
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}

export function usePrefersDark(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(QUERY).matches,
    () => false,
  );
}
