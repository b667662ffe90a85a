// Turns flow-language content into positioned blocks and transitions (no DOM: unit-tested).
export interface Block {
  id: string;
  type: string;
  params: Record<string, unknown>;
  x: number;
  y: number;
}

export interface Edge {
  from: string;
  to: string;
  kind: 'next' | 'error' | 'condition';
  label?: string;
}

export const BLOCK_W = 180;
export const BLOCK_H = 56;
const GAP_X = 60;
const GAP_Y = 28;

type Action = { Identifier?: string; Type?: string; Parameters?: Record<string, unknown>; Transitions?: Transitions };
type Transitions = {
  NextAction?: string;
  Errors?: { NextAction?: string; ErrorType?: string }[];
  Conditions?: { NextAction?: string; Condition?: { Operands?: unknown[] } }[];
};

export function layout(content: unknown): { blocks: Block[]; edges: Edge[]; width: number; height: number } {
  const doc = (content ?? {}) as { Actions?: Action[]; StartAction?: string };
  const actions = (doc.Actions ?? []).filter((a) => typeof a.Identifier === 'string');
  const byId = new Map(actions.map((a) => [a.Identifier as string, a]));
  const edges: Edge[] = [];
  for (const a of actions) {
    const t = a.Transitions ?? {};
    const from = a.Identifier as string;
    if (t.NextAction) edges.push({ from, to: t.NextAction, kind: 'next' });
    for (const c of t.Conditions ?? []) if (c.NextAction) edges.push({ from, to: c.NextAction, kind: 'condition', label: String(c.Condition?.Operands?.[0] ?? '') });
    for (const e of t.Errors ?? []) if (e.NextAction) edges.push({ from, to: e.NextAction, kind: 'error', label: e.ErrorType });
  }
  // Columns by distance from the start (breadth first); unreachable blocks go last.
  const level = new Map<string, number>();
  const start = doc.StartAction && byId.has(doc.StartAction) ? doc.StartAction : actions[0]?.Identifier;
  if (start) {
    level.set(start, 0);
    const queue = [start];
    while (queue.length) {
      const cur = queue.shift() as string;
      for (const e of edges) {
        if (e.from === cur && byId.has(e.to) && !level.has(e.to)) {
          level.set(e.to, (level.get(cur) ?? 0) + 1);
          queue.push(e.to);
        }
      }
    }
  }
  const maxLevel = Math.max(0, ...level.values());
  for (const a of actions) if (!level.has(a.Identifier as string)) level.set(a.Identifier as string, maxLevel + 1);
  const rows = new Map<number, number>();
  const blocks: Block[] = actions.map((a) => {
    const col = level.get(a.Identifier as string) ?? 0;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    return {
      id: a.Identifier as string,
      type: a.Type ?? 'Unknown',
      params: a.Parameters ?? {},
      x: 20 + col * (BLOCK_W + GAP_X),
      y: 20 + row * (BLOCK_H + GAP_Y),
    };
  });
  const width = Math.max(...blocks.map((b) => b.x + BLOCK_W), 200) + 20;
  const height = Math.max(...blocks.map((b) => b.y + BLOCK_H), 100) + 20;
  return { blocks, edges: edges.filter((e) => byId.has(e.to)), width, height };
}
