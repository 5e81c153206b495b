import { cn } from '@/lib/utils';

/** Foresight's mark: a lens over a stream. */
export function Logo({ className }: { className?: string }) {
  return (
    <span className={cn('inline-flex items-center gap-2 font-semibold tracking-tight text-slate-900', className)}>
      <svg viewBox="0 0 24 24" className="h-6 w-6" aria-hidden>
        <rect width="24" height="24" rx="6" className="fill-teal-700" />
        <path d="M4 15c2.5 0 2.5-3 5-3s2.5 3 5 3 2.5-3 5-3" className="stroke-teal-200" strokeWidth="1.6" fill="none" strokeLinecap="round" />
        <circle cx="12" cy="9" r="3.2" className="stroke-white" strokeWidth="1.8" fill="none" />
      </svg>
      Foresight
    </span>
  );
}
