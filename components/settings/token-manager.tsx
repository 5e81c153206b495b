'use client';

import { Check, Copy, KeyRound } from 'lucide-react';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { FieldError, Input, Label } from '@/components/ui/input';
import { Spinner } from '@/components/ui/spinner';
import { callApi } from '@/lib/client-api';
import type { TokenView } from '@/lib/tokens';
import { formatTime } from '@/lib/utils';

/** Create (shown once), list and revoke personal API tokens. */
export function TokenManager({ initialTokens }: { initialTokens: TokenView[] }) {
  const [tokens, setTokens] = useState(initialTokens);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const result = await callApi<TokenView & { token: string }>('/api/tokens', { method: 'POST', body: { name } });
    setBusy(false);
    if (!result.ok) {
      const issue = result.issues.find((i) => i.path === 'name');
      setNameError(issue?.message);
      if (!issue) setProblem(result.error);
      return;
    }
    const { token, ...view } = result.data;
    setTokens([view, ...tokens]);
    setCreated({ name: view.name, token });
    setCopied(false);
    setName('');
    setNameError(undefined);
  };

  const revoke = async (id: string) => {
    const result = await callApi<TokenView>(`/api/tokens/${id}`, { method: 'DELETE' });
    if (result.ok) setTokens(tokens.map((t) => (t.id === id ? result.data : t)));
    else setProblem(result.error);
  };

  return (
    <div className="space-y-4">
      <form onSubmit={create} className="flex flex-wrap items-end gap-3" noValidate>
        <div className="w-72">
          <Label htmlFor="token-name">New token name</Label>
          <Input id="token-name" className="mt-1" placeholder="e.g. collector on web-01" value={name} invalid={Boolean(nameError)} onChange={(e) => setName(e.target.value)} />
        </div>
        <Button type="submit" variant="primary" disabled={busy}>
          {busy ? <Spinner /> : <KeyRound className="h-4 w-4" />} Create token
        </Button>
        <div className="basis-full">
          <FieldError>{nameError}</FieldError>
        </div>
      </form>

      {problem ? <Alert tone="error">{problem}</Alert> : null}

      {created ? (
        <Alert tone="success" title={`Token “${created.name}” created — copy it now, it will not be shown again`}>
          <div className="mt-2 flex items-center gap-2">
            <code className="min-w-0 flex-1 truncate rounded border border-emerald-200 bg-white px-2 py-1.5 font-mono text-[13px] text-slate-900" data-testid="new-token">
              {created.token}
            </code>
            <Button
              size="sm"
              onClick={() => {
                void navigator.clipboard?.writeText(created.token).then(() => setCopied(true));
              }}
            >
              {copied ? <Check className="h-4 w-4" /> : <Copy className="h-4 w-4" />} {copied ? 'Copied' : 'Copy'}
            </Button>
          </div>
        </Alert>
      ) : null}

      {tokens.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 px-6 py-10 text-center">
          <KeyRound className="mx-auto h-6 w-6 text-slate-400" />
          <p className="mt-2 text-sm font-medium text-slate-700">No tokens yet</p>
          <p className="mt-1 text-[13px] text-slate-500">Create one for each program that sends messages to Foresight, so each can be revoked on its own.</p>
        </div>
      ) : (
        <table className="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-[13px]" aria-label="API tokens">
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
            <tr>
              <th className="px-4 py-2 font-medium">Name</th>
              <th className="px-3 py-2 font-medium">Token</th>
              <th className="px-3 py-2 font-medium">Created</th>
              <th className="px-3 py-2 font-medium">Last used</th>
              <th className="px-3 py-2 font-medium">Status</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id} className="border-b border-slate-100 last:border-b-0">
                <td className="px-4 py-2.5 font-medium text-slate-900">{token.name}</td>
                <td className="px-3 py-2.5 font-mono text-xs text-slate-500">{token.prefix}…</td>
                <td className="px-3 py-2.5 text-slate-600">{formatTime(token.createdAt)}</td>
                <td className="px-3 py-2.5 text-slate-600">{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'never'}</td>
                <td className="px-3 py-2.5">{token.revokedAt ? <Badge tone="neutral">revoked</Badge> : <Badge tone="green">active</Badge>}</td>
                <td className="px-3 py-2.5 text-right">
                  {token.revokedAt ? null : (
                    <Button size="sm" variant="ghost" className="text-red-700 hover:bg-red-50" onClick={() => void revoke(token.id)}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
