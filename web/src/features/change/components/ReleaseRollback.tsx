import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCan } from '../../../api/auth';
import { useEffect, useState } from 'react';
import { get } from '../../../api/client';
import type { Release, RollbackBody } from '../../../api/types';
import { ErrorBox, Loading, Section, buttonCls, inputCls } from '../../../components/common';
import { releaseRollbackRequest, useAccounts, useChange } from '../api';
import { ChangeSection } from './ChangeSection';

/** Rolling a whole release back: every member to its safety snapshot, last first. */
export function ReleaseRollback() {
  const canPlan = useCan('operator');
  const accounts = useAccounts();
  const releases = useQuery({ queryKey: ['releases'], queryFn: () => get<Release[]>('/releases', { limit: '20' }) });
  const [id, setId] = useState('');
  const [removeCreated, setRemoveCreated] = useState(true);
  const change = useChange<RollbackBody>('/rollback');
  const qc = useQueryClient();
  // Once a rollback has run, the list shows each release as it now stands.
  useEffect(() => {
    if (change.applied && !change.running) qc.invalidateQueries({ queryKey: ['releases'] });
  }, [change.applied, change.running, qc]);
  const chosen = releases.data?.find((r) => r.release_id === id);
  const protectedTarget = Boolean(accounts.data?.find((a) => a.account_id === chosen?.target_account_id)?.protected);
  const body = () => releaseRollbackRequest(id, removeCreated);
  return (
    <>
      <Section title="Or roll back a whole release">
        {releases.isPending && <Loading what="releases" />}
        <ErrorBox error={releases.error} />
        {releases.data && releases.data.length === 0 && <p className="text-sm">No release yet: a Connect deploy with its dependencies makes one.</p>}
        {releases.data && releases.data.length > 0 && (
          <div className="flex flex-wrap items-end gap-4">
            <label className="flex flex-col text-sm" htmlFor="release-id">
              Release
              <select
                id="release-id"
                className={inputCls}
                value={id}
                onChange={(e) => {
                  setId(e.target.value);
                  change.reset();
                }}
              >
                <option value="">choose…</option>
                {releases.data.map((r) => (
                  <option key={r.release_id} value={r.release_id}>
                    {r.release_id} · {r.instance} in {r.target_account_id} · {r.status.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={removeCreated} onChange={(e) => setRemoveCreated(e.target.checked)} />
              Also delete what the release created
            </label>
            <button className={buttonCls} disabled={!id || change.planning || !canPlan.allowed} title={canPlan.why} onClick={() => change.dryRun(body())}>
              {change.planning ? 'Planning…' : 'Show the release rollback'}
            </button>
          </div>
        )}
      </Section>
      <ChangeSection
        title="Release rollback: plan, confirm, watch"
        change={change}
        protectedTarget={protectedTarget}
        resource={chosen?.instance ?? ''}
        label="Roll back the release"
        runningLabel="Rolling back…"
        onConfirm={() => change.apply(body())}
      />
    </>
  );
}
