import Link from 'next/link';
import { SearchX } from 'lucide-react';
import { EmptyPlaceholder } from '@/components/empty-placeholder';

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl px-6 py-24">
      <EmptyPlaceholder
        icon={SearchX}
        title="Nothing here"
        description="This page does not exist, or the plugin or output it showed was deleted."
        action={
          <Link href="/deploy" className="text-sm font-medium text-teal-700 hover:underline">
            Back to the editor
          </Link>
        }
      />
    </div>
  );
}
