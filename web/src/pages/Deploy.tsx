import { useState } from 'react';
import { useAccounts, useSnapshots } from '../api/hooks';
import type { Json } from '../api/types';
import { Confirm } from '../components/Confirm';
import { PlanView, ReportView } from '../components/PlanView';
import { AccountRegion, ErrorBox, ProgressLog, Section, buttonCls, inputCls } from '../components/common';
import { ResourcePicker } from './resource';
import { useChange } from './useChange';

export default function Deploy() {
  const accounts = useAccounts();
  const [src, setSrc] = useState({ account: '', region: '', service: 'lambda', resource: '', key: '' });
  const [dst, setDst] = useState({ account: '', region: '', resource: '' });
  const [opts, setOpts] = useState({ alias: '', flows: '', accept_unmapped: false });
  const snaps = useSnapshots(src.account, src.service, src.resource);
  const change = useChange('/deploy');
  const target = dst.resource || src.resource;
  const protectedTarget = Boolean(accounts.data?.find((a) => a.account_id === dst.account)?.protected);

  const body = (): Json => {
    const options: Json = { accept_unmapped: opts.accept_unmapped };
    if (opts.alias && src.service !== 'connect') options.alias = opts.alias;
    if (opts.flows.trim() && src.service === 'connect') options.flows = opts.flows.split(',').map((f) => f.trim()).filter(Boolean);
    return {
      source: { snapshot_key: src.key },
      target: { account_id: dst.account, region: dst.region, ...(dst.resource ? { resource_name: dst.resource } : {}) },
      options,
    };
  };
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
            <label className="flex flex-col text-sm" htmlFor="src-snapshot">
              Snapshot
              <select id="src-snapshot" className={inputCls} value={src.key} onChange={(e) => { setSrc({ ...src, key: e.target.value }); change.reset(); }}>
                <option value="">{snaps.isPending ? 'loading…' : snaps.data?.length ? 'choose…' : 'none: take one first'}</option>
                {snaps.data?.map((m) => (
                  <option key={m.key} value={m.key}>
                    {new Date(m.taken_at).toLocaleString()} · {m.reason}
                    {m.note ? ` · ${m.note}` : ''}
                  </option>
                ))}
              </select>
            </label>
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
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={opts.accept_unmapped} onChange={(e) => setOpts({ ...opts, accept_unmapped: e.target.checked })} />
            Deploy even with unmappable references
          </label>
        </div>
        <button className={`${buttonCls} mt-3`} disabled={!ready || change.planning} onClick={() => change.dryRun(body())}>
          {change.planning ? 'Planning…' : 'Show the plan'}
        </button>
      </Section>
      {(change.plan || change.error || change.report) && (
        <Section title="3. Plan, confirm, watch">
          {change.plan && <PlanView plan={change.plan} />}
          {change.plan && !change.report && (
            <Confirm protectedTarget={protectedTarget} resource={target} label={change.running ? 'Deploying…' : 'Deploy'} disabled={change.running} onConfirm={() => change.apply(body())} />
          )}
          {(change.running || change.events.length > 0) && <ProgressLog events={change.events} running={change.running} />}
          <ErrorBox error={change.error} />
          {change.report && <ReportView report={change.report} />}
        </Section>
      )}
    </>
  );
}
