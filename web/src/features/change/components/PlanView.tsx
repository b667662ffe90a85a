import type { Json, Plan, Report } from '../../../api/types';

type Item = { kind: string; name: string; action: string };

/**
 * A changed value as text: strings whole (an account id at the end of a queue URL is what a
 * reviewer must see), structures cut at 200 characters.
 */
const shown = (v: unknown) => {
  if (typeof v === 'string') return v;
  const t = JSON.stringify(v);
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
};

const badge: Record<string, string> = {
  create: 'bg-green-100 text-green-800',
  update: 'bg-amber-100 text-amber-900',
  unchanged: 'bg-slate-100 text-slate-600',
};

/** A dry-run plan: what would be created, updated or left; references remapped and those that cannot be. */
export function PlanView({ plan }: { plan: Plan }) {
  const summary = (plan.summary ?? {}) as Json;
  const items = (summary.items as Item[] | undefined) ?? [];
  // What the target has and the snapshot does not: items and associations, by name.
  const notInSource = (summary.not_in_source as { kind: string; name: string }[] | undefined) ?? [];
  const counts = items.reduce<Record<string, number>>((acc, i) => ({ ...acc, [i.action]: (acc[i.action] ?? 0) + 1 }), {});
  return (
    <div data-testid="plan">
      <p className="mb-2">
        <span className={`rounded px-2 py-0.5 text-sm font-semibold ${badge[plan.action] ?? ''}`}>{plan.action}</span>{' '}
        {plan.service} <strong>{plan.resource_name}</strong> in {plan.target_account_id} / {plan.target_region}
        {items.length > 0 && (
          <span className="ml-2 text-sm" data-testid="plan-counts">
            {['create', 'update', 'unchanged'].map((a) => `${counts[a] ?? 0} ${a}`).join(' · ')}
          </span>
        )}
      </p>
      {plan.blockers && plan.blockers.length > 0 && (
        <div role="alert" className="mb-2 rounded border border-red-300 bg-red-50 p-2 text-sm text-red-800">
          Cannot be applied: {plan.blockers.join('; ')}
        </div>
      )}
      {plan.unmapped.length > 0 && (
        <div role="alert" className="mb-2 rounded border border-red-400 bg-red-50 p-2 text-sm" data-testid="unmapped">
          <strong className="text-red-800">{plan.unmapped.length} reference(s) cannot be mapped to the target</strong>
          <ul className="mt-1 list-disc pl-5 text-xs">
            {plan.unmapped.map((u, i) => (
              <li key={i} className="break-all">
                <span className="font-mono">{u.path}</span>: <span className="font-mono">{u.value}</span>
                {u.would_be ? (
                  <>
                    {' '}
                    (would be <span className="font-mono">{u.would_be}</span>)
                  </>
                ) : null}{' '}
                — {u.reason}
                {u.also_at && u.also_at.length > 0 ? (
                  <span className="text-slate-600">
                    {' '}
                    · also used at <span className="font-mono">{u.also_at.join(', ')}</span>
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      )}
      {(plan.substitutions.length > 0 || plan.kept.length > 0) && (
        <details open className="mb-2" data-testid="rules-applied">
          <summary className="cursor-pointer text-sm font-semibold">
            Promotion rules applied ({plan.substitutions.length} substituted, {plan.kept.length} kept as the target has them)
          </summary>
          <ul className="list-disc pl-5 text-xs">
            {plan.substitutions.map((s, i) => (
              <li key={`s${i}`} className="break-all font-mono">
                {s.path}: {s.before} → {s.after}
              </li>
            ))}
            {plan.kept.map((k, i) => (
              <li key={`k${i}`} className="break-all font-mono">
                {k.path}: kept {k.target_value === null ? '(the target has none: not written)' : shown(k.target_value)}, not{' '}
                {shown(k.source_value)}
              </li>
            ))}
          </ul>
        </details>
      )}
      {notInSource.length > 0 && (
        <details className="mb-2" data-testid="not-in-source">
          <summary className="cursor-pointer text-sm font-semibold">
            Not in the snapshot ({notInSource.length}){summary.remove_not_in_source ? ': will be removed' : ': left as they are'}
          </summary>
          <ul className="list-disc pl-5 text-xs">
            {notInSource.map((i, n) => (
              <li key={n}>
                {i.kind} <span className="break-all font-mono">{i.name}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {plan.warnings.length > 0 && (
        <ul className="mb-2 list-disc pl-5 text-sm text-amber-900">
          {plan.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      {items.length > 0 && (
        <details open={items.length <= 40} className="mb-2">
          <summary className="cursor-pointer text-sm font-semibold">Items ({items.length})</summary>
          <table className="text-sm">
            <tbody>
              {items.map((i) => (
                <tr key={`${i.kind}:${i.name}`}>
                  <td className="pr-3 text-slate-500">{i.kind}</td>
                  <td className="pr-3">{i.name}</td>
                  <td>
                    <span className={`rounded px-2 text-xs ${badge[i.action] ?? ''}`}>{i.action}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <details className="mb-2" open={plan.changes.length > 0 && plan.changes.length <= 20}>
        <summary className="cursor-pointer text-sm font-semibold">Field changes ({plan.changes.length})</summary>
        <ul className="text-xs">
          {plan.changes.slice(0, 500).map((c, i) => (
            <li key={i} className="break-all font-mono">
              {c.op} {c.path}
              {c.op !== 'add' && c.from !== undefined && c.from !== null ? `: ${shown(c.from)}` : ''}
              {c.op !== 'remove' && c.to !== undefined && c.to !== null ? ` → ${shown(c.to)}` : ''}
            </li>
          ))}
          {plan.changes.length > 500 && <li>… and {plan.changes.length - 500} more</li>}
        </ul>
      </details>
      <details className="mb-2">
        <summary className="cursor-pointer text-sm font-semibold">Remapped references ({plan.remapped.length})</summary>
        <ul className="text-xs">
          {plan.remapped.map((r, i) => (
            <li key={i} className="font-mono">
              {r.path}: {r.from} → {r.to}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

export function ReportView({ report }: { report: Report }) {
  const ok = report.status === 'succeeded' || report.status === 'unchanged';
  return (
    <div data-testid="report" className={`rounded border p-3 ${ok ? 'border-green-300 bg-green-50' : 'border-red-300 bg-red-50'}`}>
      <p className="font-semibold" role="status">
        Result: {report.status}
      </p>
      {report.error && <p className="text-sm text-red-800">Failed: {report.error}</p>}
      {report.restore_error && <p className="text-sm text-red-800">Restoring also failed: {report.restore_error}</p>}
      {report.safety_snapshot && <p className="text-sm">Safety snapshot taken first: <span className="font-mono text-xs">{report.safety_snapshot.key}</span></p>}
      {report.published_version && <p className="text-sm">Published version {report.published_version}</p>}
      {report.left_out && report.left_out.length > 0 && (
        <div className="mt-2 text-sm" data-testid="left-out">
          <strong>Left out, as accepted ({report.left_out.length}): not written to the target</strong>
          <ul className="list-disc pl-5 text-xs">
            {report.left_out.map((u, i) => (
              <li key={i} className="break-all">
                <span className="font-mono">{u.path}</span>: <span className="font-mono">{u.value}</span> — {u.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ol className="mt-2 text-sm">
        {report.steps.map((s, i) => (
          <li key={i}>
            {s.status === 'ok' ? '✔' : s.status === 'failed' ? '✘' : '–'} {s.step}
            {s.message ? ` — ${s.message}` : ''}
          </li>
        ))}
      </ol>
    </div>
  );
}
