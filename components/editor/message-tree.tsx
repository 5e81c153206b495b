'use client';

import { ChevronRight } from 'lucide-react';
import { useState } from 'react';
import type { MessageView } from '@/lib/message-view';
import { cn } from '@/lib/utils';

const HEADERS: { key: keyof MessageView; label: string }[] = [
  { key: 'uuid', label: 'Uuid' },
  { key: 'timestamp', label: 'Timestamp' },
  { key: 'type', label: 'Type' },
  { key: 'logger', label: 'Logger' },
  { key: 'severity', label: 'Severity' },
  { key: 'payload', label: 'Payload' },
  { key: 'envVersion', label: 'EnvVersion' },
  { key: 'pid', label: 'Pid' },
  { key: 'hostname', label: 'Hostname' },
];

function Value({ value }: { value: unknown }) {
  if (value === undefined) return <span className="text-slate-500">absent</span>;
  if (typeof value === 'string') return <span className="break-all text-emerald-800">&quot;{value}&quot;</span>;
  if (typeof value === 'boolean') return <span className="text-violet-700">{String(value)}</span>;
  return <span className="text-sky-800">{String(value)}</span>;
}

/** One message as a tree: a summary line, then headers, then Fields with their types. */
export function MessageTree({ message, index, defaultOpen = false }: { message: MessageView; index: number; defaultOpen?: boolean }) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <li className="border-b border-slate-100 last:border-b-0">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        className="flex w-full items-center gap-2 px-3 py-2 text-left text-[13px] hover:bg-slate-50"
      >
        <ChevronRight className={cn('h-4 w-4 shrink-0 text-slate-400 transition-transform', open && 'rotate-90')} />
        <span className="w-10 shrink-0 text-right font-mono text-xs text-slate-500">#{index + 1}</span>
        <span className="shrink-0 font-mono text-xs text-slate-500">{message.time.replace('T', ' ').replace('Z', '')}</span>
        <span className="truncate font-medium text-slate-800">{message.type ?? <em className="text-slate-500">no Type</em>}</span>
        <span className="truncate text-slate-500">{message.logger}</span>
        <span className="ml-auto shrink-0 text-xs text-slate-500">{message.fields.length} fields</span>
      </button>
      {open ? (
        <div className="space-y-3 bg-slate-50/60 px-3 pt-1 pb-3 pl-[4.5rem] font-mono text-xs">
          <table className="w-full">
            <tbody>
              {HEADERS.map(({ key, label }) => (
                <tr key={key} className="align-top">
                  <th className="w-28 py-0.5 pr-3 text-left font-normal text-slate-500">{label}</th>
                  <td className="py-0.5">
                    {key === 'timestamp' ? (
                      <>
                        <span className="text-sky-800">{message.timestamp}</span>{' '}
                        <span className="text-slate-500">({message.time})</span>
                      </>
                    ) : (
                      <Value value={message[key]} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div>
            <p className="mb-1 font-sans text-[11px] font-semibold tracking-wide text-slate-500 uppercase">Fields</p>
            {message.fields.length === 0 ? (
              <p className="text-slate-500">none</p>
            ) : (
              <table className="w-full">
                <thead>
                  <tr className="text-left font-sans text-[11px] text-slate-500">
                    <th className="py-0.5 pr-3 font-medium">name</th>
                    <th className="py-0.5 pr-3 font-medium">type</th>
                    <th className="py-0.5 pr-3 font-medium">representation</th>
                    <th className="py-0.5 font-medium">value</th>
                  </tr>
                </thead>
                <tbody>
                  {message.fields.map((field, i) => (
                    <tr key={`${field.name}-${i}`} className="align-top">
                      <td className="py-0.5 pr-3 text-slate-800">Fields[{field.name}]</td>
                      <td className="py-0.5 pr-3 text-slate-500">{field.type}</td>
                      <td className="py-0.5 pr-3 text-slate-500">{field.representation || '—'}</td>
                      <td className="py-0.5">
                        {field.value.length === 1 ? (
                          <Value value={field.value[0]} />
                        ) : (
                          <span>
                            [
                            {field.value.map((v, j) => (
                              <span key={j}>
                                {j > 0 ? ', ' : ''}
                                <Value value={v} />
                              </span>
                            ))}
                            ]
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </div>
      ) : null}
    </li>
  );
}
