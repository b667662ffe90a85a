import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../api/types';
import { PlanView, ReportView } from './PlanView';

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

  it('a reference used at several places is listed once, with what it would have become', () => {
    const u = {
      path: '/Flows/After Hours/Content/Actions/1/Parameters/LambdaFunctionARN',
      value: 'arn:aws:lambda:us-east-1:111111111111:function:cc-callback-scheduler',
      would_be: 'arn:aws:lambda:us-east-1:222222222222:function:cc-callback-scheduler',
      also_at: ['/LambdaFunctions/0'],
      reason: 'no Lambda function of this name in account 222222222222 region us-east-1',
    };
    render(<PlanView plan={{ ...plan, unmapped: [u] }} />);
    const box = screen.getByTestId('unmapped');
    expect(box).toHaveTextContent('1 reference(s) cannot be mapped');
    expect(box).toHaveTextContent('(would be arn:aws:lambda:us-east-1:222222222222:function:cc-callback-scheduler)');
    expect(box).toHaveTextContent('also used at /LambdaFunctions/0');
  });

  it('the report lists what an accepted deploy left out', () => {
    const left = { path: '/Environment/Variables/REPORTS_BUCKET', value: 'reports-111111111111', reason: 'still names the source account' };
    render(<ReportView report={{ status: 'succeeded', plan, steps: [], left_out: [left] }} />);
    expect(screen.getByTestId('left-out')).toHaveTextContent('Left out, as accepted (1): not written to the target');
    expect(screen.getByTestId('left-out')).toHaveTextContent('/Environment/Variables/REPORTS_BUCKET: reports-111111111111');
  });
});
