import Link from 'next/link';
import { Rocket } from 'lucide-react';

/**
 * For someone with nothing of their own on a tab yet (Plugins, Dashboards)
 * while others' rows fill it: one sentence and one button to the tutorial's
 * start, the Deploy page. An empty server shows its EmptyPlaceholder instead.
 */
export function FirstRunHint({ text }: { text: string }) {
  return (
    <div role="note" aria-label="Getting started" className="flex flex-wrap items-center gap-3 rounded-lg border border-teal-200 bg-teal-50 px-4 py-3 text-[13px] text-teal-950">
      <Rocket className="h-4 w-4 shrink-0 text-teal-700" aria-hidden />
      <p className="min-w-0 flex-1">{text}</p>
      <Link href="/deploy" className="inline-flex h-8 items-center rounded-md bg-teal-700 px-3 text-[13px] font-medium text-white hover:bg-teal-800">
        Start on Deploy
      </Link>
    </div>
  );
}

export const FIRST_PLUGIN_HINT =
  'You have no plugins yet: on Deploy, run a matcher, test a plugin on recent messages and deploy it, and it appears here with live figures.';
export const FIRST_OUTPUT_HINT =
  'None of these outputs is yours yet: deploy a plugin from the Deploy page, and what its timer_event() publishes appears here, updated live.';
