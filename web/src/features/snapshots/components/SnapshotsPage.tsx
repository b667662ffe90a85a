import { Suspense, lazy, useState } from 'react';
import { useCan } from '../../../api/auth';
import { useSearchParams } from 'react-router';
import { ResourcePicker } from '../../../components/ResourcePicker';
import { AccountRegion, ErrorBox, Json, Loading, Section, buttonCls, inputCls, secondaryCls } from '../../../components/common';
import { SNAPSHOT_PAGE, useDiff, useSnapshotDocument, useSnapshots, useTakeSnapshot } from '../api';
import type { SnapshotBody } from '../../../api/types';

const DiffView = lazy(() => import('./DiffView'));

export default function SnapshotsPage() {
  const canSnap = useCan('operator');
  const [params, setParams] = useSearchParams();
  const p = (k: string, d = '') => params.get(k) ?? d;
  const [account, region, service, resource] = [p('account'), p('region'), p('service', 'lambda'), p('resource')];
  const set = (patch: Record<string, string>) => setParams({ account, region, service, resource, ...patch });
  const list = useSnapshots(account, service, resource);
  const [note, setNote] = useState('');
  const [full, setFull] = useState(false);
  const [viewing, setViewing] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [diff, setDiff] = useState<{ from: string; to: string } | null>(null);
  const take = useTakeSnapshot(() => {
    setNote('');
    setFull(false);
  });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Snapshots</h1>
      <Section title="Resource">
        <div className="flex flex-wrap items-end gap-4">
          <AccountRegion account={account} region={region} onChange={(a, r) => set({ account: a, region: r, resource: '' })} />
          {account && region && (
            <ResourcePicker account={account} region={region} service={service} resource={resource} idPrefix="snap" onChange={(s, r) => set({ service: s, resource: r })} />
          )}
        </div>
        {resource && (
          <div className="mt-3 flex items-end gap-2">
            <label className="flex flex-col text-sm" htmlFor="snap-note">
              Why (note)
              <input id="snap-note" className={inputCls} value={note} onChange={(e) => setNote(e.target.value)} placeholder="before release 42" />
            </label>
            {service === 'connect' && (
              <label className="flex items-center gap-1 text-sm" title="By default prompt audio and routing-profile queues of items unchanged since the previous snapshot are reused">
                <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} />
                Read everything again
              </label>
            )}
            <button className={buttonCls} onClick={() => take.mutate({ account_id: account, region: region as SnapshotBody['region'], service: service as SnapshotBody['service'], resource_name: resource, ...(note ? { note } : {}), ...(full ? { full } : {}) })} disabled={take.isPending || !canSnap.allowed} title={canSnap.why}>
              {take.isPending ? 'Taking snapshot…' : 'Take snapshot'}
            </button>
          </div>
        )}
        <ErrorBox error={take.error} />
        {take.data && <p role="status" className="mt-2 text-sm text-green-800">Snapshot taken: {take.data.key}</p>}
      </Section>
      {account && resource && (
        <Section title={`Snapshots of ${resource}, newest first`}>
          {list.data && list.data.length >= SNAPSHOT_PAGE && (
            <p className="mb-2 text-sm text-slate-600">Showing the newest {SNAPSHOT_PAGE}; older ones are kept and reachable through the API and CLI.</p>
          )}
          {list.isPending && <Loading what="snapshots" />}
          <ErrorBox error={list.error} />
          {list.data && list.data.length === 0 && <p>No snapshot yet.</p>}
          {list.data && list.data.length > 0 && (
            <>
              <table className="w-full text-left text-sm">
                <thead>
                  <tr className="border-b">
                    <th>When</th>
                    <th>Who</th>
                    <th>Why</th>
                    <th>Digest</th>
                    <th>From</th>
                    <th>To</th>
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((m) => (
                    <tr key={m.key} className="border-b" data-testid="snapshot-row">
                      <td className="py-1">{new Date(m.taken_at).toLocaleString()}</td>
                      <td>{m.taken_by}</td>
                      <td>
                        {m.reason}
                        {m.note ? ` — ${m.note}` : ''}
                      </td>
                      <td className="font-mono text-xs">{m.digest.slice(7, 19)}</td>
                      <td>
                        <input type="radio" name="diff-from" aria-label={`diff from ${m.taken_at}`} checked={from === m.key} onChange={() => setFrom(m.key)} />
                      </td>
                      <td>
                        <input type="radio" name="diff-to" aria-label={`diff to ${m.taken_at}`} checked={to === m.key} onChange={() => setTo(m.key)} />
                      </td>
                      <td>
                        <button className={secondaryCls} onClick={() => setViewing(m.key)} aria-label={`View the snapshot of ${new Date(m.taken_at).toLocaleString()}`}>
                          View
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="mt-3 flex gap-2">
                <button className={buttonCls} disabled={!from || !to || from === to} onClick={() => setDiff({ from, to })}>
                  Compare the two
                </button>
                <button className={secondaryCls} disabled={!from} onClick={() => setDiff({ from, to: 'live' })}>
                  Compare “from” with live
                </button>
              </div>
            </>
          )}
        </Section>
      )}
      {diff && <DiffSection from={diff.from} to={diff.to} />}
      {viewing && <DocSection snapshotKey={viewing} />}
    </>
  );
}

function DiffSection({ from, to }: { from: string; to: string }) {
  const d = useDiff(from, to);
  return (
    <Section title="Differences">
      {d.isPending && <Loading what="the differences" />}
      <ErrorBox error={d.error} />
      {d.data && (
        <Suspense fallback={<Loading what="the diff view" />}>
          <DiffView changes={d.data.changes} fromLabel={from.split('_snapshot_')[1] ?? from} toLabel={to === 'live' ? 'live' : (to.split('_snapshot_')[1] ?? to)} />
        </Suspense>
      )}
    </Section>
  );
}

function DocSection({ snapshotKey }: { snapshotKey: string }) {
  const d = useSnapshotDocument(snapshotKey);
  return (
    <Section title={`Document ${snapshotKey}`}>
      {d.isPending && <Loading what="the document" />}
      <ErrorBox error={d.error} />
      {d.data && <Json value={d.data} />}
    </Section>
  );
}
