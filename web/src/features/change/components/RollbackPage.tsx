import { useState } from 'react';
import { useCan } from '../../../api/auth';
import type { RollbackBody } from '../../../api/types';
import { ResourcePicker } from '../../../components/ResourcePicker';
import { SnapshotSelect } from '../../../components/SnapshotSelect';
import { AccountRegion, ErrorBox, Section, buttonCls } from '../../../components/common';
import { type RollbackForm, rollbackRequest, useAccounts, useChange, useSnapshots } from '../api';
import { ChangeSection } from './ChangeSection';
import { ReleaseRollback } from './ReleaseRollback';

export default function RollbackPage() {
  const canPlan = useCan('operator');
  const accounts = useAccounts();
  const [s, setS] = useState<RollbackForm>({ account: '', region: '', service: 'lambda', resource: '', key: '', removeCreated: false });
  const snaps = useSnapshots(s.account, s.service, s.resource);
  const change = useChange<RollbackBody>('/rollback');
  const protectedTarget = Boolean(accounts.data?.find((a) => a.account_id === s.account)?.protected);
  const body = () => rollbackRequest(s);
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
            <SnapshotSelect id="rb-snapshot" label="Back to snapshot" value={s.key} snapshots={snaps.data} loading={snaps.isPending} empty="none yet" onChange={(key) => { setS({ ...s, key }); change.reset(); }} />
          )}
          {s.resource && (
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={s.removeCreated} onChange={(e) => setS({ ...s, removeCreated: e.target.checked })} />
              {s.service === 'connect' ? 'Also delete items created after the snapshot' : 'Also delete versions and aliases created after the snapshot'}
            </label>
          )}
        </div>
        <ErrorBox error={snaps.error} />
        <button className={`${buttonCls} mt-3`} disabled={!s.key || change.planning || !canPlan.allowed} title={canPlan.why} onClick={() => change.dryRun(body())}>
          {change.planning ? 'Planning…' : 'Show the plan'}
        </button>
      </Section>
      <ChangeSection title="2. Plan, confirm, watch" change={change} protectedTarget={protectedTarget} resource={s.resource} label="Roll back" runningLabel="Rolling back…" onConfirm={() => change.apply(body())} />
      <ReleaseRollback />
    </>
  );
}
