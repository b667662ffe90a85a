import type { SnapshotMeta } from '../api/types';
import { inputCls } from './common';

/** A choice among a resource's snapshots, newest first, by when and why. */
export function SnapshotSelect({
  id,
  label,
  value,
  snapshots,
  loading,
  empty,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  snapshots: SnapshotMeta[] | undefined;
  loading: boolean;
  empty: string;
  onChange: (key: string) => void;
}) {
  return (
    <label className="flex flex-col text-sm" htmlFor={id}>
      {label}
      <select id={id} className={inputCls} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{loading ? 'loading…' : snapshots?.length ? 'choose…' : empty}</option>
        {snapshots?.map((m) => (
          <option key={m.key} value={m.key}>
            {new Date(m.taken_at).toLocaleString()} · {m.reason}
            {m.note ? ` · ${m.note}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
