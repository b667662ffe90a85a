import { useState } from 'react';
import { useSearchParams } from 'react-router';
import type { ChangeRequest, Plan, ProgressEvent, ReleaseOutcome } from '../../../api/types';
import { ErrorBox, Loading, ProgressLog, Section, buttonCls, inputCls, secondaryCls } from '../../../components/common';
import { useCan, useMe } from '../../../api/auth';
import { isRelease } from '../api';
import { PlanView } from './PlanView';
import { ReleaseView } from './ReleaseView';
import { useApprove, useChanges, useReject } from '../approvals';

const states = ['pending', 'running', 'executed', 'failed', 'rejected', 'expired', 'stale'] as const;

/** Changes to protected accounts waiting for a second person, and what became of earlier ones. */
export default function ApprovalsPage() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? 'pending';
  const changes = useChanges(state === 'all' ? '' : state);
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Approvals</h1>
      <label className="mb-3 flex w-fit flex-col text-sm" htmlFor="changes-state">
        Show
        <select id="changes-state" className={inputCls} value={state} onChange={(e) => setParams({ state: e.target.value })}>
          {states.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
          <option value="all">all</option>
        </select>
      </label>
      {changes.isPending && <Loading what="change requests" />}
      <ErrorBox error={changes.error} />
      {changes.data?.length === 0 && <p>No {state === 'all' ? '' : state} change requests.</p>}
      {changes.data?.map((c) => <ChangeCard key={c.id} change={c} />)}
    </>
  );
}

function ChangeCard({ change }: { change: ChangeRequest }) {
  const [comment, setComment] = useState('');
  const [open, setOpen] = useState(change.state === 'pending');
  const [events, setEvents] = useState<ProgressEvent[]>([]);
  const approve = useApprove((e) => setEvents((all) => [...all, e]));
  const reject = useReject();
  const me = useMe();
  const can = useCan('approver');
  const own = me.data?.subject === change.requested_by;
  const why = !can.allowed ? can.why : own ? 'you requested this change; another approver must decide it' : undefined;
  const plan = change.plan as unknown as Plan | ReleaseOutcome;
  return (
    <Section title={change.summary}>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 text-sm" data-testid={`change-${change.id}`}>
        <dt className="text-slate-500">State</dt>
        <dd data-testid="change-state" className="font-semibold">{change.state}</dd>
        <dt className="text-slate-500">Requested by</dt>
        <dd>
          {change.requested_by} at {new Date(change.requested_at).toLocaleString()}
        </dd>
        {change.state === 'pending' && (
          <>
            <dt className="text-slate-500">Expires</dt>
            <dd>{new Date(change.expires_at).toLocaleString()}</dd>
          </>
        )}
        {change.decided_by && (
          <>
            <dt className="text-slate-500">{change.state === 'rejected' ? 'Rejected by' : 'Approved by'}</dt>
            <dd data-testid="decided-by">
              {change.decided_by}
              {change.comment ? `: “${change.comment}”` : ''}
            </dd>
          </>
        )}
        {change.error && (
          <>
            <dt className="text-slate-500">Why</dt>
            <dd>{change.error}</dd>
          </>
        )}
        <dt className="text-slate-500">Plan digest</dt>
        <dd className="font-mono text-xs">{change.plan_digest}</dd>
      </dl>
      <button className={`${secondaryCls} mt-2`} onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? 'Hide the plan' : 'Show the plan'}
      </button>
      {open && <div className="mt-3">{isRelease(plan) ? <ReleaseView outcome={plan} /> : <PlanView plan={plan} />}</div>}
      {change.state === 'pending' && (
        <div className="mt-3 flex flex-wrap items-end gap-2">
          <label className="flex grow flex-col text-sm" htmlFor={`comment-${change.id}`}>
            Comment (required to reject)
            <input id={`comment-${change.id}`} className={inputCls} value={comment} onChange={(e) => setComment(e.target.value)} />
          </label>
          <button className={buttonCls} disabled={Boolean(why) || approve.isPending} title={why} onClick={() => approve.mutate({ id: change.id, comment })}>
            Approve and run
          </button>
          <button
            className={secondaryCls}
            disabled={Boolean(why) || !comment.trim() || reject.isPending}
            title={why ?? (!comment.trim() ? 'say why in the comment' : undefined)}
            onClick={() => reject.mutate({ id: change.id, comment })}
          >
            Reject
          </button>
        </div>
      )}
      {(approve.isPending || events.length > 0) && <ProgressLog events={events} running={approve.isPending} />}
      {approve.isSuccess && <p role="status" className="mt-2 text-green-800">Approved and applied.</p>}
      <ErrorBox error={approve.error ?? reject.error} />
    </Section>
  );
}
