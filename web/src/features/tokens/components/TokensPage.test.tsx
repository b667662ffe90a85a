import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, http } from '../../../api/client';
import { toNewToken } from '../api';
import { CreateToken } from './TokensPage';

const withQueries = (ui: React.ReactNode) => render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);

describe('a new token', () => {
  it('is checked before it is sent', () => {
    expect(toNewToken({ name: 'ci pipeline', role: 'operator', accounts: '123', expires_in_days: '0' }).errors).toEqual({
      name: '1 to 64 letters, digits or . - _ @',
      accounts: 'account ids are 12 digits, separated by commas',
      expires_in_days: 'a whole number of days, 1 to 3650',
    });
    expect(toNewToken({ name: 'ci', role: 'viewer', accounts: '111111111111, 222222222222', expires_in_days: '' }).body).toEqual({
      name: 'ci',
      role: 'viewer',
      accounts: ['111111111111', '222222222222'],
    });
  });

  it('is created with what the form says, and the refusal is shown', async () => {
    const post = vi.spyOn(http, 'post').mockRejectedValueOnce(new ApiError('a token named ci already exists', 409, 'conflict', {}));
    const created = vi.fn();
    withQueries(<CreateToken onCreated={created} />);
    await userEvent.type(screen.getByLabelText('Name (who or what uses it)'), 'ci');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await userEvent.type(screen.getByLabelText('Only these accounts (optional)'), '111111111111');
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('a token named ci already exists');
    expect(post).toHaveBeenCalledWith('/tokens', { name: 'ci', role: 'viewer', accounts: ['111111111111'], expires_in_days: 90 });
    expect(created).not.toHaveBeenCalled();
  });
});
