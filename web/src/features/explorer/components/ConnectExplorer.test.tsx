import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { http } from '../../../api/client';
import { ConnectInstance } from './ConnectExplorer';

describe('the Connect explorer', () => {
  it('keeps hundreds of flows responsive: a page of 50 at a time, filterable', async () => {
    const flows = Object.fromEntries(
      Array.from({ length: 320 }, (_, i) => [`Flow ${String(i).padStart(3, '0')}`, { Type: 'CONTACT_FLOW', Status: 'PUBLISHED', Content: { Actions: [] } }]),
    );
    const get = vi.spyOn(http, 'get').mockResolvedValue({ data: { config: { Flows: flows, Queues: {} } } });
    render(
      <QueryClientProvider client={new QueryClient()}>
        <ConnectInstance account="111111111111" region="us-east-1" name="acme-large" />
      </QueryClientProvider>,
    );
    await screen.findByText('page 1 of 7');
    const list = screen.getByRole('list', { name: 'Flows list' });
    expect(list.querySelectorAll('li')).toHaveLength(50);
    expect(screen.getByRole('tab', { name: 'Flows (320)' })).toHaveAttribute('aria-selected', 'true');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByText('page 2 of 7')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /^Flow 050/ })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Filter'), 'Flow 31');
    expect(list.querySelectorAll('li')).toHaveLength(10);
    expect(get).toHaveBeenCalledWith('/extract/connect/acme-large', { params: { account_id: '111111111111', region: 'us-east-1' } });
  });
});
