'use client';

import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { RowDelta } from '@/lib/live-deltas';

let shared: Socket | null = null;

/** One socket.io connection per tab, on the portal's own origin. */
function socket(): Socket {
  shared ??= io({ path: '/socket.io', withCredentials: true, transports: ['websocket', 'polling'] });
  return shared;
}

/**
 * Joins `topic` and calls `onEvent` for each `event` pushed on it; joins
 * again after a reconnect. `onJoined` runs each time the server confirms
 * the join: what changed before it (between the page's render and now, or
 * while disconnected) was not pushed, so a page may catch up then.
 */
export function useRealtime<T>(topic: string | null, event: string, onEvent: (payload: T) => void, onJoined?: () => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const joined = useRef(onJoined);
  joined.current = onJoined;
  useEffect(() => {
    if (!topic) return;
    const s = socket();
    const join = () =>
      s.emit('subscribe', topic, (ok: boolean) => {
        if (ok) joined.current?.();
      });
    const listener = (payload: T) => handler.current(payload);
    s.on('connect', join);
    s.on(event, listener);
    if (s.connected) join();
    return () => {
      s.emit('unsubscribe', topic);
      s.off('connect', join);
      s.off(event, listener);
    };
  }, [topic, event]);
}

/**
 * Tells the server which rows of `list` the page shows (`keys`, at most a
 * page) and calls `onDelta` with their current values, then with each
 * throttled change to them; nothing else of the list is pushed. Watches
 * again after a reconnect, and stops when the page goes.
 */
export function useWatchedRows<V>(list: 'plugins' | 'outputs', keys: readonly string[], onDelta: (delta: RowDelta<V>) => void): void {
  const handler = useRef(onDelta);
  handler.current = onDelta;
  const watched = useRef(keys);
  watched.current = keys;
  useEffect(() => {
    const s = socket();
    const send = () => s.emit('watch', { list, keys: watched.current });
    const listener = (delta: RowDelta<V>) => handler.current(delta);
    s.on('connect', send);
    s.on(`${list}:delta`, listener);
    return () => {
      s.emit('unwatch', { list });
      s.off('connect', send);
      s.off(`${list}:delta`, listener);
    };
  }, [list]);
  // Watching replaces the previous set: a new page needs no unwatch first.
  const joined = keys.join('\n');
  useEffect(() => {
    const s = socket();
    if (s.connected) s.emit('watch', { list, keys: watched.current });
  }, [list, joined]);
}
