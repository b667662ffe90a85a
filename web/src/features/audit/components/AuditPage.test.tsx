import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { http } from '../../../api/client';
import Audit from './AuditPage';

const entries = [
  {
    at: '2026-11-27T08:00:02Z',
    actor: 'release-bot',
    action: 'deploy',
    account_id: '222222222222',
    region: 'us-east-1',
    service: 'connect',
    resource_name: 'acme-prod',
    outcome: 'failed_restored',
    snapshot_key: '111111111111/connect/acme-dev/connect_acme-dev_snapshot_20261127T080000.000Z.json',
    safety_snapshot: '222222222222/connect/acme-prod/connect_acme-prod_snapshot_20261127T080001.000Z.json',
    error: 'creating queue Sales: InvalidParameterException: no',
  },
  { at: '2026-11-27T08:00:00Z', actor: 'alice', action: 'account-added', account_id: '222222222222', outcome: 'succeeded' },
];

describe('the audit trail', () => {
  it('lists who changed what with how it ended, and narrows to one account', async () => {
    const get = vi.spyOn(http, 'get').mockImplementation(async (url: string) => ({
      data: url === '/accounts' ? [{ account_id: '222222222222', name: 'prod', regions: ['us-east-1'] }] : entries,
    }));
    render(
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter initialEntries={['/app/audit']}>
          <Audit />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const rows = await screen.findAllByTestId('audit-row');
    expect(rows).toHaveLength(2);
    const failed = within(rows[0]);
    expect(failed.getByText('failed restored')).toBeInTheDocument();
    expect(failed.getByText('connect acme-prod')).toBeInTheDocument();
    expect(failed.getByText(/safety snapshot: 222222222222\/connect\/acme-prod/)).toBeInTheDocument();
    expect(failed.getByText('creating queue Sales: InvalidParameterException: no')).toBeInTheDocument();
    expect(within(rows[1]).getByText('alice')).toBeInTheDocument();
    expect(get).toHaveBeenCalledWith('/audit', { params: { limit: '200' } });
    await userEvent.selectOptions(await screen.findByLabelText('Account'), '222222222222');
    expect(get).toHaveBeenCalledWith('/audit', { params: { limit: '200', account_id: '222222222222' } });
  });
});
