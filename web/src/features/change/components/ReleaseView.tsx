import type { ReleaseOutcome } from '../../../api/types';
import { PlanView, ReportView } from './PlanView';

const statusCls = (s: string) =>
  s === 'succeeded' || s === 'rolled_back' || s === 'unchanged'
    ? 'bg-green-100 text-green-800'
    : s.startsWith('failed')
      ? 'bg-red-100 text-red-800'
      : 'bg-slate-100 text-slate-700';

/** A release: its members in apply order with each one's status, then their plans or reports. */
export function ReleaseView({ outcome }: { outcome: ReleaseOutcome }) {
  const { release, order, plans, reports } = outcome;
  const unmapped = plans.reduce((n, p) => n + p.unmapped.length, 0);
  return (
    <div data-testid="release">
      <p className="mb-2">
        <span className={`rounded px-2 py-0.5 text-sm font-semibold ${statusCls(release.status)}`} data-testid="release-status">
          {release.status.replace(/_/g, ' ')}
        </span>{' '}
        release of <strong>{release.instance}</strong> into {release.target_account_id} / {release.target_region}
        {release.status !== 'planned' && <span className="ml-2 font-mono text-xs">{release.release_id}</span>}
      </p>
      {release.status === 'planned' && (
        <p className="mb-2 text-sm">
          {order.length} members, applied in this order; {unmapped === 0 ? 'nothing unmapped' : `${unmapped} reference(s) cannot be mapped`}.
        </p>
      )}
      <table className="mb-3 text-sm">
        <thead>
          <tr className="border-b text-left">
            <th className="pr-3">#</th>
            <th className="pr-3">Member</th>
            <th className="pr-3">Status</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          {release.members.map((m, i) => (
            <tr key={i} className="border-b last:border-0" data-testid="release-member">
              <td className="pr-3">{i + 1}</td>
              <td className="pr-3">
                {m.service} <strong>{m.resource_name}</strong>
                {m.alias ? ` (alias ${m.alias})` : ''}
              </td>
              <td className="pr-3">
                <span className={`rounded px-2 text-xs ${statusCls(m.status)}`}>{m.status.replace(/_/g, ' ')}</span>
              </td>
              <td className="break-all text-xs">
                {m.error && <span className="text-red-800">{m.error} </span>}
                {m.rollback ?? (m.safety_snapshot ? `safety snapshot ${m.safety_snapshot}` : release.status !== 'planned' && m.status === 'succeeded' ? 'created by this release' : '')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plans.map((p, i) => (
        <details key={`p${i}`} className="mb-2" open={p.unmapped.length > 0}>
          <summary className="cursor-pointer text-sm font-semibold">
            Plan of {p.service} {p.resource_name}
          </summary>
          <PlanView plan={p} />
        </details>
      ))}
      {reports.map((r, i) => (
        <details key={`r${i}`} className="mb-2">
          <summary className="cursor-pointer text-sm font-semibold">
            Report of {r.plan.service} {r.plan.resource_name}: {r.status}
          </summary>
          <ReportView report={r} />
        </details>
      ))}
    </div>
  );
}
