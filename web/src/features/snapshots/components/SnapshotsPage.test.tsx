import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { http } from '../../../api/client';
import Snapshots from './SnapshotsPage';

const at = (service: string, resource: string) =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter initialEntries={[`/app/snapshots?account=111111111111&region=us-east-1&service=${service}&resource=${resource}`]}>
        <Snapshots />
      </MemoryRouter>
    </QueryClientProvider>,
  );

describe('taking a snapshot', () => {
  it('a Connect snapshot can be asked to read everything again', async () => {
    vi.spyOn(http, 'get').mockImplementation(async (url: string) => ({
      data: url === '/accounts' ? [{ account_id: '111111111111', name: 'dev', regions: ['us-east-1'] }] : url === '/snapshots' ? [] : { resources: [] },
    }));
    const post = vi.spyOn(http, 'post').mockResolvedValue({ data: { key: 'k', digest: 'sha256:00' } });
    at('connect', 'acme-dev');
    await userEvent.click(screen.getByRole('checkbox', { name: 'Read everything again' }));
    await userEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    expect(post).toHaveBeenCalledWith('/snapshot', { account_id: '111111111111', region: 'us-east-1', service: 'connect', resource_name: 'acme-dev', full: true }, { params: undefined });
    await screen.findByText('Snapshot taken: k');
    expect(screen.getByRole('checkbox', { name: 'Read everything again' })).not.toBeChecked();
  });

  it('other services have nothing to reuse, so no such choice', async () => {
    vi.spyOn(http, 'get').mockImplementation(async (url: string) => ({ data: url === '/snapshots' ? [] : url === '/accounts' ? [] : { resources: [] } }));
    at('lambda', 'orders-api');
    await screen.findByRole('button', { name: 'Take snapshot' });
    expect(screen.queryByRole('checkbox', { name: 'Read everything again' })).toBeNull();
  });
});
