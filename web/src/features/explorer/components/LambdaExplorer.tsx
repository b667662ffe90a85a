import { useMemo, useState } from 'react';
import type { Json } from '../../../api/types';
import { ErrorBox, Loading, Section, inputCls } from '../../../components/common';
import { useDescribe, useExtract } from '../api';
import { type Props, str } from './format';

export function LambdaExplorer({ account, region }: Props) {
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

