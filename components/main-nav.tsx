'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { LayoutDashboard, Puzzle, Rocket, Settings } from 'lucide-react';
import type { NavItem } from '@/config/nav';
import { cn } from '@/lib/utils';

const icons: Record<string, React.ComponentType<{ className?: string }>> = {
  '/deploy': Rocket,
  '/plugins': Puzzle,
  '/dashboards': LayoutDashboard,
  '/settings': Settings,
};

export function MainNav({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex items-center gap-1">
      {items.map((item) => {
        const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
        const Icon = icons[item.href];
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? 'page' : undefined}
            className={cn(
              'inline-flex h-9 items-center gap-2 rounded-md px-3 text-sm font-medium transition-colors',
              active ? 'bg-teal-50 text-teal-800' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
            )}
          >
            {Icon ? <Icon className="h-4 w-4" /> : null}
            {item.title}
          </Link>
        );
      })}
    </nav>
  );
}
