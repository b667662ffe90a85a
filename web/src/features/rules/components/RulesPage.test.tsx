import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, http } from '../../../api/client';
import { PairEditor } from './RulesPage';

const withQueries = (ui: React.ReactNode) =>
  render(<QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{ui}</QueryClientProvider>);

const stored = {
  source_account_id: '111111111111',
  target_account_id: '222222222222',
  substitutions: [{ from: 'customers-dev', to: 'customers-prod', match: 'whole' }],
  keep_target: ['lambda:/Environment/Variables/STAGE'],
  updated_at: '2026-12-01T04:00:00Z',
  updated_by: 'alice',
};

afterEach(() => vi.restoreAllMocks());

describe('a pair of accounts and its promotion rules', () => {
  it('a pair without rules starts empty, and what is typed is sent as the API takes it', async () => {
    // Another pair's rules only.
    vi.spyOn(http, 'get').mockResolvedValue({ data: [{ ...stored, target_account_id: '333333333333' }] });
    const put = vi.spyOn(http, 'put').mockResolvedValue({ data: { ...stored, updated_by: 'bob' } });
    withQueries(<PairEditor pair={{ source: '111111111111', target: '222222222222' }} />);
    expect(await screen.findByText('This pair has no rules yet.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Add substitution' }));
    await userEvent.type(screen.getByLabelText('Substitution 1: from'), 'customers-dev');
    await userEvent.type(screen.getByLabelText('Substitution 1: to'), 'customers-prod');
    await userEvent.selectOptions(screen.getByLabelText('Substitution 1: match'), 'whole');
    await userEvent.click(screen.getByRole('button', { name: 'Add kept path' }));
    await userEvent.type(screen.getByLabelText('Kept path 1'), 'lambda:/Environment/Variables/STAGE');
    await userEvent.click(screen.getByRole('button', { name: 'Save rules' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved by bob');
    expect(put).toHaveBeenCalledWith('/promotion-rules/111111111111/222222222222', {
      substitutions: [{ from: 'customers-dev', to: 'customers-prod', match: 'whole' }],
      keep_target: ['lambda:/Environment/Variables/STAGE'],
    });
  });

  it('stored rules are shown for editing, and a refused rule is named', async () => {
    vi.spyOn(http, 'get').mockResolvedValue({ data: [stored] });
    vi.spyOn(http, 'put').mockRejectedValue(
      new ApiError('keep_target[0]: "lambda:/Enviroment" can never match', 400, 'invalid_field', { field: 'keep_target[0]' }),
    );
    withQueries(<PairEditor pair={{ source: '111111111111', target: '222222222222' }} />);
    expect(await screen.findByDisplayValue('customers-dev')).toBeInTheDocument();
    expect(screen.getByLabelText('Substitution 1: match')).toHaveValue('whole');
    const kept = screen.getByLabelText('Kept path 1');
    await userEvent.clear(kept);
    await userEvent.type(kept, 'lambda:/Enviroment');
    await userEvent.click(screen.getByRole('button', { name: 'Save rules' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('keep_target[0]: "lambda:/Enviroment" can never match');
  });

  it('removing a pair\'s rules asks first', async () => {
    vi.spyOn(http, 'get').mockResolvedValue({ data: [stored] });
    const del = vi.spyOn(http, 'delete').mockResolvedValue({ status: 204 });
    withQueries(<PairEditor pair={{ source: '111111111111', target: '222222222222' }} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Remove rules' }));
    expect(del).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Confirm removal' }));
    expect(del).toHaveBeenCalledWith('/promotion-rules/111111111111/222222222222');
    expect(within(await screen.findByRole('status')).getByText(/Removed/)).toBeInTheDocument();
  });
});
