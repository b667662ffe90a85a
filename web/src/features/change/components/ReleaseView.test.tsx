import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Plan, ReleaseOutcome } from '../../../api/types';
import { ReleaseView } from './ReleaseView';

const plan = (service: 'lambda' | 'lex' | 'connect', name: string): Plan => ({
  service,
  resource_name: name,
  target_account_id: '222222222222',
  target_region: 'us-east-1',
  action: 'create',
  changes: [],
  remapped: [],
  unmapped: [],
  warnings: [],
  substitutions: [],
  kept: [],
  summary: null as never,
  desired: {} as never,
});

const member = (service: 'lambda' | 'lex' | 'connect', name: string, status: string, extra: object = {}) => ({
  service,
  resource_name: name,
  source_snapshot: `111111111111/${service}/${name}/x.json`,
  status,
  ...extra,
});

const outcome = (status: string, members: ReturnType<typeof member>[], plans: Plan[] = []): ReleaseOutcome =>
  ({
    release: {
      release_id: 'rel-20261201T050000Z-0000abcd',
      source_account_id: '111111111111',
      source_region: 'us-east-1',
      target_account_id: '222222222222',
      target_region: 'us-east-1',
      instance: 'acme-prod',
      created_at: '2026-12-01T05:00:00Z',
      created_by: 'alice',
      status,
      members,
    },
    order: members.map((m) => `${m.service} ${m.resource_name}`),
    plans,
    reports: [],
  }) as never;

describe('a release', () => {
  it('a planned release lists its members in apply order, each with its plan', () => {
    const members = [member('lambda', 'cc-customer-lookup', 'planned'), member('lex', 'OrdersBot', 'planned', { alias: 'live' }), member('connect', 'acme-prod', 'planned')];
    render(<ReleaseView outcome={outcome('planned', members, [plan('lambda', 'cc-customer-lookup'), plan('lex', 'OrdersBot'), plan('connect', 'acme-prod')])} />);
    expect(screen.getByTestId('release-status')).toHaveTextContent('planned');
    expect(screen.getByText(/3 members, applied in this order; nothing unmapped/)).toBeInTheDocument();
    const rows = screen.getAllByTestId('release-member');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('lambda cc-customer-lookup'),
      expect.stringContaining('lex OrdersBot (alias live)'),
      expect.stringContaining('connect acme-prod'),
    ]);
    expect(screen.getByText('Plan of lex OrdersBot')).toBeInTheDocument();
  });

  it('a failed release says which member failed and what was put back', () => {
    const members = [
      member('lambda', 'cc-callback-scheduler', 'rolled_back', { rollback: 'created by the release: deleted' }),
      member('connect', 'acme-prod', 'failed_restored', { error: 'creating queue Billing: injected', safety_snapshot: '222222222222/connect/acme-prod/s.json' }),
    ];
    render(<ReleaseView outcome={outcome('failed_restored', members)} />);
    expect(screen.getByTestId('release-status')).toHaveTextContent('failed restored');
    const [first, second] = screen.getAllByTestId('release-member');
    expect(within(first).getByText('created by the release: deleted')).toBeInTheDocument();
    expect(second).toHaveTextContent('creating queue Billing: injected');
  });
});
