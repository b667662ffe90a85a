import { Suspense, lazy, useState } from 'react';
import type { Json } from '../../../api/types';
import { ErrorBox, Loading, Section, inputCls, secondaryCls } from '../../../components/common';
import { useDescribe, useExtract } from '../api';
import { type Props, str } from './format';

const FlowGraph = lazy(() => import('./FlowGraph'));

const connectTabs = [
  ['Flows', 'Flows'],
  ['Modules', 'Modules'],
  ['Queues', 'Queues'],
  ['HoursOfOperations', 'Hours'],
  ['Prompts', 'Prompts'],
  ['RoutingProfiles', 'Routing profiles'],
  ['QuickConnects', 'Quick connects'],
] as const;

export function ConnectExplorer({ account, region }: Props) {
  const list = useExtract('connect', account, region);
  const [instance, setInstance] = useState('');
  return (
    <Section title="Connect instances">
      {list.isPending && <Loading what="instances" />}
      <ErrorBox error={list.error} />
      <ul className="mb-3 flex flex-wrap gap-2">
        {(list.data?.resources ?? []).map((i) => (
          <li key={str(i.InstanceAlias)}>
            <button className={secondaryCls} aria-pressed={instance === i.InstanceAlias} onClick={() => setInstance(str(i.InstanceAlias))}>
              {str(i.InstanceAlias)} · {((i.Flows as Json[]) ?? []).length} flows
            </button>
          </li>
        ))}
      </ul>
      {instance && <ConnectInstance account={account} region={region} name={instance} />}
    </Section>
  );
}

const PAGE = 50;

export function ConnectInstance({ account, region, name }: Props & { name: string }) {
  const d = useDescribe('connect', account, region, name);
  const [tab, setTab] = useState<string>('Flows');
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const [flow, setFlow] = useState('');
  const items = (d.data?.config[tab] as Record<string, Json> | undefined) ?? {};
  const names = Object.keys(items).filter((n) => n.toLowerCase().includes(filter.toLowerCase()));
  const shown = names.slice(page * PAGE, (page + 1) * PAGE);
  const pages = Math.max(1, Math.ceil(names.length / PAGE));
  return (
    <div className="border-t pt-3">
      {d.isPending && <Loading what={name} />}
      <ErrorBox error={d.error} />
      <div role="tablist" aria-label="Instance contents" className="mb-3 flex flex-wrap gap-1">
        {connectTabs.map(([key, label]) => (
          <button
            key={key}
            role="tab"
            aria-selected={tab === key}
            className={`rounded px-3 py-1 text-sm ${tab === key ? 'bg-slate-800 text-white' : 'border border-slate-300 bg-white'}`}
            onClick={() => { setTab(key); setPage(0); setFlow(''); }}
          >
            {label} ({Object.keys((d.data?.config[key] as Json | undefined) ?? {}).length})
          </button>
        ))}
      </div>
      <label className="mb-2 flex items-center gap-2 text-sm">
        Filter
        <input className={inputCls} value={filter} onChange={(e) => { setFilter(e.target.value); setPage(0); }} />
      </label>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[20rem_1fr]">
        <div>
          <ul className="text-sm" aria-label={`${tab} list`}>
            {shown.map((n) => (
              <li key={n}>
                {tab === 'Flows' ? (
                  <button className={`text-left ${n === flow ? 'font-bold text-blue-700' : 'text-blue-700 underline'}`} onClick={() => setFlow(n)}>
                    {n} <span className="text-xs text-slate-500">{str(items[n].Type)} · {str(items[n].Status)}</span>
                  </button>
                ) : (
                  <details>
                    <summary className="cursor-pointer">{n}</summary>
                    <pre className="overflow-auto bg-slate-100 p-2 text-xs">{JSON.stringify(items[n], null, 2)}</pre>
                  </details>
                )}
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <div className="mt-2 flex items-center gap-2 text-sm">
              <button className={secondaryCls} disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
              <span>
                page {page + 1} of {pages}
              </span>
              <button className={secondaryCls} disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next</button>
            </div>
          )}
        </div>
        <div>
          {tab === 'Flows' && flow && (
            <Suspense fallback={<Loading what="the flow graph" />}>
              <FlowGraph name={flow} content={items[flow]?.Content as Json} />
            </Suspense>
          )}
        </div>
      </div>
    </div>
  );
}
