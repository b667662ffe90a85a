import { useState } from 'react';
import { useAccounts, useSnapshots } from '../api/hooks';
import type { Json } from '../api/types';
import { Confirm } from '../components/Confirm';
import { PlanView, ReportView } from '../components/PlanView';
import { AccountRegion, ErrorBox, ProgressLog, Section, buttonCls, inputCls } from '../components/common';
import { ResourcePicker } from './resource';
import { useChange } from './useChange';

export default function Rollback() {
  const accounts = useAccounts();
  const [s, setS] = useState({ account: '', region: '', service: 'lambda', resource: '', key: '', removeCreated: false });
  const snaps = useSnapshots(s.account, s.service, s.resource);
  const change = useChange('/rollback');
  const protectedTarget = Boolean(accounts.data?.find((a) => a.account_id === s.account)?.protected);
  const body = (): Json => ({
    account_id: s.account,
    region: s.region,
    service: s.service,
    resource_name: s.resource,
    snapshot_key: s.key,
    ...(s.service === 'connect' ? { remove_created: s.removeCreated } : {}),
  });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Roll back</h1>
      <Section title="1. Resource and snapshot">
        <div className="flex flex-wrap items-end gap-4">
          <AccountRegion account={s.account} region={s.region} onChange={(a, r) => { setS({ ...s, account: a, region: r, resource: '', key: '' }); change.reset(); }} />
          {s.account && s.region && (
            <ResourcePicker account={s.account} region={s.region} service={s.service} resource={s.resource} idPrefix="rb" onChange={(sv, r) => { setS({ ...s, service: sv, resource: r, key: '' }); change.reset(); }} />
          )}
          {s.resource && (
            <label className="flex flex-col text-sm" htmlFor="rb-snapshot">
              Back to snapshot
              <select id="rb-snapshot" className={inputCls} value={s.key} onChange={(e) => { setS({ ...s, key: e.target.value }); change.reset(); }}>
                <option value="">{snaps.data?.length ? 'choose…' : 'none yet'}</option>
                {snaps.data?.map((m) => (
                  <option key={m.key} value={m.key}>
                    {new Date(m.taken_at).toLocaleString()} · {m.reason}
                    {m.note ? ` · ${m.note}` : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          {s.service === 'connect' && (
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={s.removeCreated} onChange={(e) => setS({ ...s, removeCreated: e.target.checked })} />
              Also delete items created after the snapshot
            </label>
          )}
        </div>
        <ErrorBox error={snaps.error} />
        <button className={`${buttonCls} mt-3`} disabled={!s.key || change.planning} onClick={() => change.dryRun(body())}>
          {change.planning ? 'Planning…' : 'Show the plan'}
        </button>
      </Section>
      {(change.plan || change.error || change.report) && (
        <Section title="2. Plan, confirm, watch">
          {change.plan && <PlanView plan={change.plan} />}
          {change.plan && !change.report && (
            <Confirm protectedTarget={protectedTarget} resource={s.resource} label={change.running ? 'Rolling back…' : 'Roll back'} disabled={change.running} onConfirm={() => change.apply(body())} />
          )}
          {(change.running || change.events.length > 0) && <ProgressLog events={change.events} running={change.running} />}
          <ErrorBox error={change.error} />
          {change.report && <ReportView report={change.report} />}
        </Section>
      )}
    </>
  );
}
