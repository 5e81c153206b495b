import { Badge, type BadgeTone } from '@/components/ui/badge';
import type { PluginState } from '@/lib/engine';

const TONES: Record<PluginState, BadgeTone> = { running: 'green', stopped: 'neutral', terminated: 'red', deploying: 'blue' };

export function PluginStateBadge({ state }: { state: PluginState }) {
  return (
    <Badge tone={TONES[state] ?? 'neutral'}>
      <span className={state === 'running' ? 'h-1.5 w-1.5 rounded-full bg-emerald-500' : 'h-1.5 w-1.5 rounded-full bg-current opacity-50'} aria-hidden />
      {state}
    </Badge>
  );
}
