import { describe, expect, it } from 'vitest';
import { layout } from './flowLayout';

describe('flow layout', () => {
  it('places blocks by distance from the start and keeps every transition, cycles included', () => {
    const content = {
      StartAction: 'a',
      Actions: [
        { Identifier: 'c', Type: 'TransferToFlow', Transitions: { NextAction: 'a' } },
        { Identifier: 'a', Type: 'MessageParticipant', Transitions: { NextAction: 'b', Errors: [{ NextAction: 'end', ErrorType: 'NoMatchingError' }] } },
        { Identifier: 'b', Type: 'CheckHoursOfOperation', Transitions: { NextAction: 'c', Conditions: [{ NextAction: 'end', Condition: { Operands: ['False'] } }] } },
        { Identifier: 'end', Type: 'DisconnectParticipant', Transitions: {} },
        { Identifier: 'orphan', Type: 'DisconnectParticipant' },
      ],
    };
    const g = layout(content);
    const x = Object.fromEntries(g.blocks.map((b) => [b.id, b.x]));
    expect(x.a).toBeLessThan(x.b);
    expect(x.b).toBeLessThan(x.c);
    expect(x.end).toBe(x.b);
    expect(x.orphan).toBeGreaterThan(x.c);
    expect(g.edges.map((e) => `${e.from}>${e.to}:${e.kind}`).sort()).toEqual(
      ['a>b:next', 'a>end:error', 'b>c:next', 'b>end:condition', 'c>a:next'].sort(),
    );
  });
  it('copes with content that is not a flow', () => {
    expect(layout(null).blocks).toEqual([]);
    expect(layout({ Actions: [{ Type: 'no identifier' }] }).blocks).toEqual([]);
  });
});
