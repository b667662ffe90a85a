import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../api/types';
import { PlanView } from './PlanView';

const plan: Plan = {
  service: 'connect',
  resource_name: 'acme-prod',
  target_account_id: '222222222222',
  target_region: 'us-east-1',
  action: 'update',
  changes: [],
  remapped: [{ path: '/Flows/Main/Content', from: 'arn:a', to: 'arn:b' }],
  unmapped: [{ path: '/Flows/Orders/Content/Actions/0', value: 'arn:aws:lex:us-east-1:111111111111:bot-alias/B/A', reason: 'bot OrdersBot has no alias live' }],
  warnings: [],
  substitutions: [],
  kept: [],
  summary: { items: [{ kind: 'flow', name: 'Main', action: 'create' }, { kind: 'queue', name: 'Sales', action: 'unchanged' }] } as never,
  desired: {} as never,
};

describe('the plan view', () => {
  it('the plan highlights what cannot be mapped and counts items', () => {
    render(<PlanView plan={plan} />);
    expect(screen.getByTestId('unmapped')).toHaveTextContent('1 reference(s) cannot be mapped');
    expect(screen.getByTestId('unmapped')).toHaveTextContent('bot OrdersBot has no alias live');
    expect(screen.getByTestId('plan-counts')).toHaveTextContent('1 create · 0 update · 1 unchanged');
  });

  it('a changed string value is shown whole, to its last character', () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/111111111111/callbacks-for-the-contact-centre-queue-of-last-resort';
    render(<PlanView plan={{ ...plan, changes: [{ path: '/Environment/Variables/CALLBACK_QUEUE', op: 'change', from: 'x' as never, to: url as never }] }} />);
    expect(screen.getByText(/CALLBACK_QUEUE/)).toHaveTextContent(url);
  });

  it('what the target has and the snapshot does not is listed by name', () => {
    const summary = { items: [], not_in_source: [{ kind: 'queue', name: 'Escalations' }, { kind: 'Lambda function association', name: 'arn:aws:lambda:us-east-1:222222222222:function:cc-callback-scheduler' }], remove_not_in_source: true };
    render(<PlanView plan={{ ...plan, summary: summary as never }} />);
    const list = screen.getByTestId('not-in-source');
    expect(list).toHaveTextContent('Not in the snapshot (2): will be removed');
    expect(list).toHaveTextContent('queue Escalations');
    expect(list).toHaveTextContent('Lambda function association arn:aws:lambda:us-east-1:222222222222:function:cc-callback-scheduler');
  });

  it('what the promotion rules did is listed: each substitution and each kept value', () => {
    render(
      <PlanView
        plan={{
          ...plan,
          substitutions: [{ path: '/Environment/Variables/TABLE', rule: 0, before: 'customers-dev', after: 'customers-prod' }],
          kept: [
            { path: '/Environment/Variables/STAGE', rule: 'lambda:/Environment/Variables/STAGE', source_value: 'dev', target_value: 'prod' },
            { path: '/Environment/Variables/DEBUG', rule: 'lambda:/Environment/Variables/*', source_value: 'true', target_value: null },
          ],
        }}
      />,
    );
    const rules = screen.getByTestId('rules-applied');
    expect(rules).toHaveTextContent('Promotion rules applied (1 substituted, 2 kept as the target has them)');
    expect(rules).toHaveTextContent('/Environment/Variables/TABLE: customers-dev → customers-prod');
    expect(rules).toHaveTextContent('/Environment/Variables/STAGE: kept prod, not dev');
    expect(rules).toHaveTextContent('/Environment/Variables/DEBUG: kept (the target has none: not written), not true');
  });
});
