import { cn } from '@/lib/utils';

/** The page body, aligned with the header's content. */
export function DashboardShell({ children, className }: { children: React.ReactNode; className?: string }) {
  return <div className={cn('mx-auto w-full max-w-[1600px] px-6 py-6', className)}>{children}</div>;
}

export function DashboardHeader({ heading, text, children }: { heading: string; text?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">{heading}</h1>
        {text ? <p className="mt-1 text-sm text-slate-500">{text}</p> : null}
      </div>
      {children ? <div className="flex items-center gap-2">{children}</div> : null}
    </div>
  );
}
