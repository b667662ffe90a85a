import type { FieldChange } from '../../../api/types';

const fmt = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 1));

/** Field-level differences, side by side (loaded on demand). */
export default function DiffView({ changes, fromLabel, toLabel }: { changes: FieldChange[]; fromLabel: string; toLabel: string }) {
  if (changes.length === 0) return <p role="status">No differences: the two are the same.</p>;
  return (
    <table className="w-full table-fixed text-left text-xs" data-testid="diff-table">
      <caption className="mb-2 text-left text-sm">
        {changes.length} field{changes.length === 1 ? '' : 's'} differ
      </caption>
      <thead>
        <tr className="border-b text-sm">
          <th className="w-1/4">Field</th>
          <th className="w-16">Change</th>
          <th>{fromLabel}</th>
          <th>{toLabel}</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path + c.op} className="border-b align-top">
            <td className="break-all py-1 font-mono">{c.path}</td>
            <td>{c.op}</td>
            <td className={`whitespace-pre-wrap break-all ${c.op !== 'add' ? 'bg-red-50' : ''}`}>{fmt(c.from)}</td>
            <td className={`whitespace-pre-wrap break-all ${c.op !== 'remove' ? 'bg-green-50' : ''}`}>{fmt(c.to)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
