import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useAccounts } from '../api/queries';
import type { ProgressEvent } from '../api/types';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div role="alert" className="my-3 rounded border border-red-300 bg-red-50 p-3 text-red-800">
      <strong>{e.code ? `${e.code}: ` : ''}</strong>
      {e.message || String(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" aria-live="polite" className="my-3 text-slate-500">
      Loading {what}…
    </p>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mb-6 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 className="mb-3 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export const inputCls = 'rounded border border-slate-300 px-2 py-1 text-sm';
export const buttonCls =
  'rounded bg-blue-600 px-3 py-1 text-sm font-medium text-white hover:bg-blue-700 disabled:cursor-not-allowed disabled:opacity-50';
export const secondaryCls = 'rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100';

/** Account and region selectors over the registered accounts. */
export function AccountRegion({
  account,
  region,
  onChange,
  label = 'Account',
}: {
  account: string;
  region: string;
  onChange: (account: string, region: string) => void;
  label?: string;
}) {
  const accounts = useAccounts();
  const regions = accounts.data?.find((a) => a.account_id === account)?.regions ?? [];
  const id = label.toLowerCase().replace(/\s+/g, '-');
  return (
    <div className="flex flex-wrap items-end gap-3">
      <label className="flex flex-col text-sm" htmlFor={`${id}-account`}>
        {label}
        <select
          id={`${id}-account`}
          className={inputCls}
          value={account}
          onChange={(e) => {
            const a = accounts.data?.find((x) => x.account_id === e.target.value);
            onChange(e.target.value, a?.regions[0] ?? '');
          }}
        >
          <option value="">choose…</option>
          {accounts.data?.map((a) => (
            <option key={a.account_id} value={a.account_id}>
              {a.name} ({a.account_id}){a.protected ? ' — protected' : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-sm" htmlFor={`${id}-region`}>
        Region
        <select
          id={`${id}-region`}
          className={inputCls}
          value={region}
          onChange={(e) => onChange(account, e.target.value)}
        >
          {regions.length === 0 && <option value="">—</option>}
          {regions.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      {accounts.error ? <ErrorBox error={accounts.error} /> : null}
    </div>
  );
}

export function ProgressLog({ events, running }: { events: ProgressEvent[]; running: boolean }) {
  const last = events[events.length - 1];
  const pct = last && last.total > 0 ? Math.round((100 * last.done) / last.total) : undefined;
  return (
    <div className="my-3" aria-live="polite">
      {running && (
        <div role="progressbar" aria-label="progress" aria-valuenow={pct} className="mb-2 h-2 w-full overflow-hidden rounded bg-slate-200">
          <div className={`h-2 bg-blue-600 ${pct === undefined ? 'w-1/3 animate-pulse' : ''}`} style={pct === undefined ? undefined : { width: `${pct}%` }} />
        </div>
      )}
      {/* Focusable: a long log scrolls, and keyboard users must be able to scroll it too. */}
      <ol className="max-h-40 overflow-auto text-xs text-slate-600" data-testid="progress-log" tabIndex={0} aria-label="Progress log">
        {events.map((e, i) => (
          <li key={i}>{e.message}</li>
        ))}
      </ol>
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return (
    <pre className="max-h-[32rem] overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{JSON.stringify(value, null, 2)}</pre>
  );
}

/**
 * A table row's destructive action: its button, then (while `open`) the question with Confirm
 * and Cancel. The table keeps which row is open, so one row asks at a time.
 */
export function ConfirmInRow(props: {
  open: boolean;
  onOpen: () => void;
  onCancel: () => void;
  onConfirm: () => void;
  action: string;
  label: string;
  question: string;
  confirm: string;
  disabled?: boolean;
  title?: string;
}) {
  if (props.open) {
    return (
      <span className="flex justify-end gap-2">
        <span className="text-sm">{props.question}</span>
        <button className={buttonCls + ' bg-red-600 hover:bg-red-700'} onClick={props.onConfirm}>
          {props.confirm}
        </button>
        <button className={secondaryCls} onClick={props.onCancel}>
          Cancel
        </button>
      </span>
    );
  }
  return (
    <button className={secondaryCls} disabled={props.disabled} title={props.title} onClick={props.onOpen} aria-label={props.label}>
      {props.action}
    </button>
  );
}
