import { Suspense, lazy, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useDescribe, useExtract } from '../api/hooks';
import type { Json } from '../api/types';
import { AccountRegion, ErrorBox, Loading, Section, inputCls, secondaryCls } from '../components/common';

const FlowGraph = lazy(() => import('../components/FlowGraph'));

const services = [
  ['lambda', 'Lambda'],
  ['lex', 'Lex V2'],
  ['connect', 'Connect'],
] as const;

export default function Explorer() {
  const [params, setParams] = useSearchParams();
  const service = params.get('service') ?? 'lambda';
  const account = params.get('account') ?? '';
  const region = params.get('region') ?? '';
  const set = (patch: Record<string, string>) => setParams({ service, account, region, ...patch });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Explore</h1>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <AccountRegion account={account} region={region} onChange={(a, r) => set({ account: a, region: r })} />
        <div role="tablist" aria-label="Service" className="flex gap-1">
          {services.map(([id, label]) => (
            <button
              key={id}
              role="tab"
              aria-selected={service === id}
              className={`rounded px-3 py-1 text-sm ${service === id ? 'bg-blue-600 text-white' : 'border border-slate-300 bg-white'}`}
              onClick={() => set({ service: id })}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      {!account || !region ? (
        <p>Choose an account and a region.</p>
      ) : service === 'lambda' ? (
        <LambdaExplorer account={account} region={region} />
      ) : service === 'lex' ? (
        <LexExplorer account={account} region={region} />
      ) : (
        <ConnectExplorer account={account} region={region} />
      )}
    </>
  );
}

type Props = { account: string; region: string };

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function LambdaExplorer({ account, region }: Props) {
  const list = useExtract('lambda', account, region);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ key: string; asc: boolean }>({ key: 'FunctionName', asc: true });
  const [selected, setSelected] = useState('');
  const rows = useMemo(() => {
    const all = (list.data?.resources ?? []).filter((f) => str(f.FunctionName).toLowerCase().includes(filter.toLowerCase()));
    return [...all].sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : str(x).localeCompare(str(y));
      return sort.asc ? c : -c;
    });
  }, [list.data, filter, sort]);
  const cols = [
    ['FunctionName', 'Name'],
    ['Runtime', 'Runtime'],
    ['MemorySize', 'Memory (MB)'],
    ['Timeout', 'Timeout (s)'],
    ['LastModified', 'Last modified'],
  ] as const;
  return (
    <Section title="Lambda functions">
      {list.isPending && <Loading what="functions" />}
      <ErrorBox error={list.error} />
      <label className="mb-2 flex items-center gap-2 text-sm">
        Filter
        <input className={inputCls} value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="function name" />
      </label>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b">
            {cols.map(([key, label]) => (
              <th key={key} aria-sort={sort.key === key ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
                <button className="font-semibold" onClick={() => setSort({ key, asc: sort.key === key ? !sort.asc : true })}>
                  {label} {sort.key === key ? (sort.asc ? '▲' : '▼') : ''}
                </button>
              </th>
            ))}
            <th>Versions</th>
            <th>Aliases</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((f) => (
            <tr key={str(f.FunctionName)} className={`border-b ${selected === f.FunctionName ? 'bg-blue-50' : ''}`}>
              <td className="py-1">
                <button className="text-blue-700 underline" onClick={() => setSelected(str(f.FunctionName))}>
                  {str(f.FunctionName)}
                </button>
              </td>
              <td>{str(f.Runtime)}</td>
              <td>{str(f.MemorySize)}</td>
              <td>{str(f.Timeout)}</td>
              <td className="text-xs">{str(f.LastModified)}</td>
              <td>{((f.Versions as string[]) ?? []).join(', ')}</td>
              <td>{((f.Aliases as Json[]) ?? []).map((a) => `${str(a.Name)}→${str(a.FunctionVersion)}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && <LambdaDetail account={account} region={region} name={selected} />}
    </Section>
  );
}

function LambdaDetail({ account, region, name }: Props & { name: string }) {
  const d = useDescribe('lambda', account, region, name);
  const c = d.data?.config;
  return (
    <div className="mt-4 border-t pt-4" aria-label={`Function ${name}`}>
      <h3 className="mb-2 font-semibold">{name}</h3>
      {d.isPending && <Loading what={name} />}
      <ErrorBox error={d.error} />
      {c && (
        <dl className="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-1 text-sm">
          {Object.entries(c)
            .filter(([k]) => !['Versions', 'Aliases', 'Policy'].includes(k))
            .map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="font-medium text-slate-600">{k}</dt>
                <dd className="break-all font-mono text-xs">{str(v)}</dd>
              </div>
            ))}
          <dt className="font-medium text-slate-600">Versions</dt>
          <dd className="text-xs">{((c.Versions as Json[]) ?? []).map((v) => str(v.Version)).join(', ') || '—'}</dd>
          <dt className="font-medium text-slate-600">Aliases</dt>
          <dd className="text-xs">{((c.Aliases as Json[]) ?? []).map((a) => `${str(a.Name)} → ${str(a.FunctionVersion)}`).join(', ') || '—'}</dd>
        </dl>
      )}
    </div>
  );
}

function LexExplorer({ account, region }: Props) {
  const list = useExtract('lex', account, region);
  const [bot, setBot] = useState('');
  return (
    <Section title="Lex V2 bots">
      {list.isPending && <Loading what="bots" />}
      <ErrorBox error={list.error} />
      <ul className="mb-3 flex flex-wrap gap-2">
        {(list.data?.resources ?? []).map((b) => (
          <li key={str(b.BotName)}>
            <button className={secondaryCls} aria-pressed={bot === b.BotName} onClick={() => setBot(str(b.BotName))}>
              {str(b.BotName)} · {((b.Locales as Json[]) ?? []).length} locales · aliases{' '}
              {((b.Aliases as Json[]) ?? []).map((a) => `${str(a.Name)}→v${str(a.Version)}`).join(', ')}
            </button>
          </li>
        ))}
      </ul>
      {list.data && list.data.resources.length === 0 && <p>No bot in this account and region.</p>}
      {bot && <LexBot account={account} region={region} name={bot} />}
    </Section>
  );
}

function LexBot({ account, region, name }: Props & { name: string }) {
  const d = useDescribe('lex', account, region, name);
  const def = (d.data?.config.Definition as Json | undefined) ?? {};
  const locales = (def.locales as Record<string, Json> | undefined) ?? {};
  const [locale, setLocale] = useState('');
  const [intent, setIntent] = useState('');
  const loc = locales[locale] ?? {};
  const intents = (loc.intents as Record<string, Json> | undefined) ?? {};
  const slotTypes = (loc.slotTypes as Record<string, Json> | undefined) ?? {};
  const slots = ((intents[intent]?.slots as Record<string, Json> | undefined) ?? {});
  return (
    <div className="border-t pt-3">
      {d.isPending && <Loading what={name} />}
      <ErrorBox error={d.error} />
      <p className="mb-2 text-sm">
        Aliases:{' '}
        {((d.data?.config.Aliases as Json[]) ?? []).map((a) => `${str(a.Name)} → version ${str(a.Version)}`).join('; ') || '—'}
      </p>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <nav aria-label="Locales">
          <h3 className="font-semibold">Locales</h3>
          {Object.keys(locales).map((l) => (
            <button key={l} className={`block text-left text-sm ${l === locale ? 'font-bold text-blue-700' : ''}`} onClick={() => { setLocale(l); setIntent(''); }}>
              {l}
            </button>
          ))}
        </nav>
        <nav aria-label="Intents">
          <h3 className="font-semibold">Intents</h3>
          {Object.keys(intents).map((i) => (
            <button key={i} className={`block text-left text-sm ${i === intent ? 'font-bold text-blue-700' : ''}`} onClick={() => setIntent(i)}>
              {i}
            </button>
          ))}
          {locale && (
            <>
              <h3 className="mt-2 font-semibold">Slot types</h3>
              <ul className="text-sm">{Object.keys(slotTypes).map((t) => <li key={t}>{t}</li>)}</ul>
            </>
          )}
        </nav>
        <div>
          <h3 className="font-semibold">Slots</h3>
          <ul className="text-sm">
            {Object.entries(slots).map(([s, v]) => (
              <li key={s}>
                {s}: <span className="font-mono text-xs">{str(v.slotTypeName)}</span>
              </li>
            ))}
          </ul>
          {intent && (
            <>
              <h3 className="mt-2 font-semibold">Sample utterances</h3>
              <ul className="text-sm">
                {((intents[intent].sampleUtterances as Json[]) ?? []).map((u, i) => <li key={i}>“{str(u.utterance)}”</li>)}
              </ul>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

const connectTabs = [
  ['Flows', 'Flows'],
  ['Modules', 'Modules'],
  ['Queues', 'Queues'],
  ['HoursOfOperations', 'Hours'],
  ['Prompts', 'Prompts'],
  ['RoutingProfiles', 'Routing profiles'],
  ['QuickConnects', 'Quick connects'],
] as const;

function ConnectExplorer({ account, region }: Props) {
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
