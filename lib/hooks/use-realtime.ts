'use client';

import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';

let shared: Socket | null = null;

/** One socket.io connection per tab, on the portal's own origin. */
function socket(): Socket {
  shared ??= io({ path: '/socket.io', withCredentials: true, transports: ['websocket', 'polling'] });
  return shared;
}

/**
 * Joins `topic` and calls `onEvent` for each `event` pushed on it; joins
 * again after a reconnect.
 */
export function useRealtime<T>(topic: string | null, event: string, onEvent: (payload: T) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!topic) return;
    const s = socket();
    const join = () => s.emit('subscribe', topic);
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
