import { useMemo, useState } from 'react';
import { BLOCK_H, BLOCK_W, layout } from './flowLayout';

/** A contact flow's blocks and transitions, drawn as a graph (loaded on demand). */
export default function FlowGraph({ name, content }: { name: string; content: unknown }) {
  const g = useMemo(() => layout(content), [content]);
  const [selected, setSelected] = useState<string | null>(null);
  const pos = new Map(g.blocks.map((b) => [b.id, b]));
  const sel = selected ? pos.get(selected) : undefined;
  return (
    <figure aria-label={`Flow graph of ${name}`} data-testid="flow-graph">
      <figcaption className="mb-2 font-semibold">
        {name}: {g.blocks.length} blocks, {g.edges.length} transitions
      </figcaption>
      <div className="overflow-auto rounded border border-slate-200 bg-white">
        <svg width={g.width} height={g.height} role="img" aria-label={`${name} flow`}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" />
            </marker>
          </defs>
          {g.edges.map((e, i) => {
            const a = pos.get(e.from);
            const b = pos.get(e.to);
            if (!a || !b) return null;
            const x1 = a.x + BLOCK_W;
            const y1 = a.y + BLOCK_H / 2;
            const x2 = b.x;
            const y2 = b.y + BLOCK_H / 2;
            const back = x2 <= a.x;
            const d = back
              ? `M ${x1} ${y1} C ${x1 + 60} ${y1 - 80}, ${x2 - 60} ${y2 - 80}, ${x2} ${y2}`
              : `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`;
            return (
              <path
                key={i}
                d={d}
                fill="none"
                stroke={e.kind === 'error' ? '#dc2626' : e.kind === 'condition' ? '#2563eb' : '#64748b'}
                strokeDasharray={e.kind === 'error' ? '4 3' : undefined}
                markerEnd="url(#arrow)"
              >
                <title>{`${e.from} → ${e.to}${e.label ? ` (${e.label})` : ''}`}</title>
              </path>
            );
          })}
          {g.blocks.map((b) => (
            <g
              key={b.id}
              transform={`translate(${b.x},${b.y})`}
              tabIndex={0}
              role="button"
              aria-label={`${b.type} block ${b.id}`}
              onClick={() => setSelected(b.id)}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setSelected(b.id)}
              className="cursor-pointer"
            >
              <rect width={BLOCK_W} height={BLOCK_H} rx={6} fill={selected === b.id ? '#dbeafe' : '#f8fafc'} stroke="#334155" />
              <text x={8} y={20} fontSize={12} fontWeight={600} fill="#0f172a">
                {b.type.length > 24 ? `${b.type.slice(0, 23)}…` : b.type}
              </text>
              <text x={8} y={40} fontSize={10} fill="#475569">
                {b.id.length > 28 ? `${b.id.slice(0, 27)}…` : b.id}
              </text>
            </g>
          ))}
        </svg>
      </div>
      {sel && (
        <div className="mt-2 text-sm" aria-live="polite">
          <strong>{sel.type}</strong> <span className="font-mono text-xs">{sel.id}</span>
          <pre className="overflow-auto bg-slate-100 p-2 text-xs">{JSON.stringify(sel.params, null, 2)}</pre>
        </div>
      )}
    </figure>
  );
}
