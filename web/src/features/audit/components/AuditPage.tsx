import { useSearchParams } from 'react-router';
import type { AuditOutcome } from '../../../api/types';
import { ErrorBox, Loading, Section, inputCls } from '../../../components/common';
import { useAccounts, useAudit } from '../api';

const outcomeCls: Record<AuditOutcome, string> = {
  succeeded: 'text-green-800',
  unchanged: 'text-slate-600',
  refused: 'text-amber-800',
  failed_restored: 'text-red-800',
  failed_not_restored: 'text-red-800 font-semibold',
  failed: 'text-red-800',
};

/** Who changed what, newest first: the audit trail the API keeps with the account registry. */
export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const account = params.get('account') ?? '';
  const accounts = useAccounts();
  const trail = useAudit(account);
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Audit trail</h1>
      <Section title="Who changed what, newest first">
        <label className="mb-3 flex w-fit flex-col text-sm" htmlFor="audit-account">
          Account
          <select id="audit-account" className={inputCls} value={account} onChange={(e) => setParams(e.target.value ? { account: e.target.value } : {})}>
            <option value="">all accounts</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.account_id} value={a.account_id}>
                {a.account_id} ({a.name})
              </option>
            ))}
          </select>
        </label>
        {trail.isPending && <Loading what="the audit trail" />}
        <ErrorBox error={trail.error} />
        {trail.data && trail.data.length === 0 && <p>Nothing recorded yet.</p>}
        {trail.data && trail.data.length > 0 && (
          <table className="w-full text-left text-sm" data-testid="audit-table">
            <thead>
              <tr className="border-b">
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Account</th>
                <th>Resource</th>
                <th>Outcome</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {trail.data.map((e, i) => (
                <tr key={`${e.at}-${i}`} className="border-b align-top" data-testid="audit-row">
                  <td className="py-1 whitespace-nowrap">{new Date(e.at).toLocaleString()}</td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td className="font-mono text-xs">
                    {e.account_id}
                    {e.region ? ` ${e.region}` : ''}
                  </td>
                  <td>{e.service && e.resource_name ? `${e.service} ${e.resource_name}` : '—'}</td>
                  <td className={outcomeCls[e.outcome]}>{e.outcome.replace(/_/g, ' ')}</td>
                  <td className="text-xs break-all">
                    {e.snapshot_key && <div>snapshot: {e.snapshot_key}</div>}
                    {e.safety_snapshot && <div>safety snapshot: {e.safety_snapshot}</div>}
                    {e.error && <div className="text-red-800">{e.error}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
