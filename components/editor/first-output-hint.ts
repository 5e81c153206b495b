/**
 * When a plugin's first output appears, from its ticker_interval: outputs are
 * published from timer_event(), which a deployed plugin first gets one
 * ticker_interval after it starts (Hindsight's rule; 60 s by default).
 */
export function firstOutputHint(tickerInterval: number, when: 'deployed' | 'planned'): string {
  if (!Number.isFinite(tickerInterval) || tickerInterval < 0) return '';
  if (tickerInterval === 0) {
    return 'With ticker_interval 0 it gets no timer_event() calls, so only what process_message() publishes appears.';
  }
  const wait = tickerInterval === 1 ? '1 second' : tickerInterval < 120 ? `${tickerInterval} seconds` : `${Math.round(tickerInterval / 60)} minutes`;
  return when === 'deployed'
    ? `Its first timer_event() output appears about ${wait} from now (ticker_interval), then every ${wait}.`
    : `The first output appears about ${wait} after Deploy (timer_event() runs every ${wait}). Test Plugin shows it at once.`;
}
