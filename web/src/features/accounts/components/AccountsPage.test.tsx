import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, http } from '../../../api/client';
import { AddAccount } from './AccountsPage';

const withQueries = (ui: React.ReactNode) => render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);

describe('adding an account', () => {
  it('adding an account validates inline and shows the API refusal', async () => {
    const post = vi.spyOn(http, 'post').mockRejectedValue(new ApiError('account 123456789012 is already registered', 409, 'conflict', {}));
    withQueries(<AddAccount />);
    await userEvent.type(screen.getByLabelText('Account id'), '123');
    await userEvent.tab();
    expect(screen.getByText('must be exactly 12 digits')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Account id'), '456789012');
    await userEvent.type(screen.getByLabelText('Name'), 'test');
    await userEvent.type(screen.getByLabelText('Role ARN'), 'arn:aws:iam::123456789012:role/R');
    await userEvent.click(screen.getByRole('button', { name: 'Add account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('account 123456789012 is already registered');
    expect(post).toHaveBeenCalledWith('/accounts', expect.objectContaining({ account_id: '123456789012', regions: ['us-east-1'] }));
  });
});
