import { useState } from 'react';
import { useCan } from '../../../api/auth';
import type { DeployBody } from '../../../api/types';
import { ResourcePicker } from '../../../components/ResourcePicker';
import { SnapshotSelect } from '../../../components/SnapshotSelect';
import { AccountRegion, ErrorBox, Section, buttonCls, inputCls } from '../../../components/common';
import { deployRequest, useAccounts, useChange, useSnapshots } from '../api';
import { ChangeSection } from './ChangeSection';

export default function DeployPage() {
  const canPlan = useCan('operator');
  const accounts = useAccounts();
  const [src, setSrc] = useState({ account: '', region: '', service: 'lambda', resource: '', key: '' });
  const [dst, setDst] = useState({ account: '', region: '', resource: '' });
  const [opts, setOpts] = useState({ alias: '', flows: '', acceptUnmapped: false, withDependencies: false });
  const snaps = useSnapshots(src.account, src.service, src.resource);
  const change = useChange<DeployBody>('/deploy');
  const target = dst.resource || src.resource;
  const protectedTarget = Boolean(accounts.data?.find((a) => a.account_id === dst.account)?.protected);

  const body = () => deployRequest({ source: src, target: dst, options: opts });
  const ready = Boolean(src.key && dst.account && dst.region);

  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Deploy</h1>
      <Section title="1. Source snapshot">
        <div className="flex flex-wrap items-end gap-4">
          <AccountRegion label="Source account" account={src.account} region={src.region} onChange={(a, r) => setSrc({ ...src, account: a, region: r, resource: '', key: '' })} />
          {src.account && src.region && (
            <ResourcePicker account={src.account} region={src.region} service={src.service} resource={src.resource} idPrefix="src" onChange={(s, r) => setSrc({ ...src, service: s, resource: r, key: '' })} />
          )}
          {src.resource && (
            <SnapshotSelect id="src-snapshot" label="Snapshot" value={src.key} snapshots={snaps.data} loading={snaps.isPending} empty="none: take one first" onChange={(key) => { setSrc({ ...src, key }); change.reset(); }} />
          )}
        </div>
        <ErrorBox error={snaps.error} />
      </Section>
      <Section title="2. Target">
        <div className="flex flex-wrap items-end gap-4">
          <AccountRegion label="Target account" account={dst.account} region={dst.region} onChange={(a, r) => { setDst({ ...dst, account: a, region: r }); change.reset(); }} />
          <label className="flex flex-col text-sm" htmlFor="dst-resource">
            {src.service === 'connect' ? 'Target instance alias' : 'Target name'}
            <input id="dst-resource" className={inputCls} value={dst.resource} placeholder={src.resource || 'same as source'} onChange={(e) => { setDst({ ...dst, resource: e.target.value }); change.reset(); }} />
          </label>
          {src.service !== 'connect' ? (
            <label className="flex flex-col text-sm" htmlFor="opt-alias">
              Move alias (optional)
              <input id="opt-alias" className={inputCls} value={opts.alias} placeholder="live" onChange={(e) => setOpts({ ...opts, alias: e.target.value })} />
            </label>
          ) : (
            <label className="flex flex-col text-sm" htmlFor="opt-flows">
              Only these flows (optional, comma-separated)
              <input id="opt-flows" className={inputCls} value={opts.flows} placeholder="Main Menu, Support Menu" onChange={(e) => setOpts({ ...opts, flows: e.target.value })} />
            </label>
          )}
          {src.service === 'connect' && (
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={opts.withDependencies}
                onChange={(e) => {
                  setOpts({ ...opts, withDependencies: e.target.checked });
                  change.reset();
                }}
              />
              Promote with dependencies (the Lambda functions and Lex bots its flows use, as one release)
            </label>
          )}
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={opts.acceptUnmapped} onChange={(e) => setOpts({ ...opts, acceptUnmapped: e.target.checked })} />
            Deploy without the unmappable references (they are left out)
          </label>
        </div>
        <button className={`${buttonCls} mt-3`} disabled={!ready || change.planning || !canPlan.allowed} title={canPlan.why} onClick={() => change.dryRun(body())}>
          {change.planning ? 'Planning…' : 'Show the plan'}
        </button>
      </Section>
      <ChangeSection title="3. Plan, confirm, watch" change={change} protectedTarget={protectedTarget} resource={target} label="Deploy" runningLabel="Deploying…" onConfirm={() => change.apply(body())} />
    </>
  );
}
