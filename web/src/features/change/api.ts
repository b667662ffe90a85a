import { useState } from 'react';
import { ApiError, ChangeRequestedError, post, runJob } from '../../api/client';
import type { ChangeRequest, DeployBody, DeployOptions, Plan, ProgressEvent, Region, ReleaseOutcome, Report, RollbackBody } from '../../api/types';

export { useAccounts } from '../../api/queries';
export { useSnapshots } from '../../api/queries';

/** What the deploy page collects. */
export interface DeployForm {
  source: { service: string; key: string };
  target: { account: string; region: string; resource: string };
  options: { alias: string; flows: string; acceptUnmapped: boolean; withDependencies?: boolean };
}

/** The `/deploy` request for the form: the alias for Lambda and Lex, chosen flows for Connect. */
export function deployRequest({ source, target, options }: DeployForm): DeployBody {
  const opts: DeployOptions = { accept_unmapped: options.acceptUnmapped };
  const alias = options.alias.trim();
  if (alias && source.service !== 'connect') opts.alias = alias;
  const flows = options.flows
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (flows.length && source.service === 'connect') opts.flows = flows;
  if (options.withDependencies && source.service === 'connect') opts.with_dependencies = true;
  return {
    source: { snapshot_key: source.key },
    target: { account_id: target.account, region: target.region as Region, ...(target.resource ? { resource_name: target.resource } : {}) },
    options: opts,
  };
}

/** What the rollback page collects. */
export interface RollbackForm {
  account: string;
  region: string;
  service: string;
  resource: string;
  key: string;
  removeCreated: boolean;
}

/** The `/rollback` request for the form. */
export const rollbackRequest = (f: RollbackForm): RollbackBody => ({
  account_id: f.account,
  region: f.region as Region,
  // The form's strings come from pickers and the page's URL; the server refuses any other.
  service: f.service as RollbackBody['service'],
  resource_name: f.resource,
  snapshot_key: f.key,
  remove_created: f.removeCreated,
});

/** A release's rollback: every member back, last first. */
export const releaseRollbackRequest = (releaseId: string, removeCreated: boolean): RollbackBody => ({
  release_id: releaseId,
  remove_created: removeCreated,
});

/** A release outcome (an instance promoted with what it uses) rather than one resource's plan or report. */
export const isRelease = (v: unknown): v is ReleaseOutcome => typeof v === 'object' && v !== null && 'release' in v && 'order' in v;

/** Plan (dry run) then apply as a background job with live progress; shared by deploy and rollback. */
export function useChange<B extends DeployBody | RollbackBody>(url: '/deploy' | '/rollback') {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [planning, setPlanning] = useState(false);
  const [running, setRunning] = useState(false);
  const [events, setEvents] = useState<ProgressEvent[]>([]);
  const [report, setReport] = useState<Report | null>(null);
  const [release, setRelease] = useState<ReleaseOutcome | null>(null);
  // A release's dry run answers with the release as it stands: what awaits confirmation.
  const [applied, setApplied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Into a protected account: the change request filed instead of a change.
  const [requested, setRequested] = useState<ChangeRequest | null>(null);

  const reset = () => {
    setRequested(null);
    setPlan(null);
    setReport(null);
    setRelease(null);
    setApplied(false);
    setError(null);
    setEvents([]);
  };

  const dryRun = async (body: B) => {
    reset();
    setPlanning(true);
    try {
      const planned = await post<Plan | ReleaseOutcome>(url, { ...body, dry_run: true });
      if (isRelease(planned)) setRelease(planned);
      else setPlan(planned);
    } catch (e) {
      setError(e);
    } finally {
      setPlanning(false);
    }
  };

  const apply = async (body: B) => {
    setRunning(true);
    setError(null);
    setReport(null);
    setEvents([]);
    setApplied(true);
    try {
      const done = await runJob<Report | ReleaseOutcome>(url, { ...body, dry_run: false }, (e) => setEvents((all) => [...all, e]));
      if (isRelease(done)) setRelease(done);
      else setReport(done);
    } catch (e) {
      if (e instanceof ChangeRequestedError) {
        setRequested(e.request.change_request);
        return;
      }
      // A failed change still has a report: what failed and what was restored.
      const details = (e as ApiError).details;
      const r = details?.report as Report | undefined;
      if (r) setReport(r);
      const rel = details?.release as ReleaseOutcome | undefined;
      if (rel) setRelease(rel);
      setError(e);
    } finally {
      setRunning(false);
    }
  };

  return { plan, planning, running, events, report, release, applied, error, requested, dryRun, apply, reset };
}

/** What the plan-and-progress view reads of a change. */
export type Change = Omit<ReturnType<typeof useChange>, 'dryRun' | 'apply'>;
