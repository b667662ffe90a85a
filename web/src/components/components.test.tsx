import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, http } from '../api/client';
import type { Plan } from '../api/types';
import { AddAccount } from '../pages/Accounts';
import DiffView from './DiffView';
import FlowGraph from './FlowGraph';
import { Confirm } from './Confirm';
import { ErrorBoundary } from './ErrorBoundary';
import { PlanView } from './PlanView';

const withQueries = (ui: React.ReactNode) => render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);

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
  summary: { items: [{ kind: 'flow', name: 'Main', action: 'create' }, { kind: 'queue', name: 'Sales', action: 'unchanged' }] } as never,
  desired: {} as never,
};

describe('components', () => {
  it('the plan highlights what cannot be mapped and counts items', () => {
    render(<PlanView plan={plan} />);
    expect(screen.getByTestId('unmapped')).toHaveTextContent('1 reference(s) cannot be mapped');
    expect(screen.getByTestId('unmapped')).toHaveTextContent('bot OrdersBot has no alias live');
    expect(screen.getByTestId('plan-counts')).toHaveTextContent('1 create · 0 update · 1 unchanged');
  });

  it('a protected target needs the resource name typed before confirming', async () => {
    const onConfirm = vi.fn();
    render(<Confirm protectedTarget resource="acme-prod" label="Deploy" onConfirm={onConfirm} />);
    const button = screen.getByRole('button', { name: 'Deploy' });
    expect(button).toBeDisabled();
    await userEvent.type(screen.getByLabelText(/type acme-prod to confirm/), 'acme-prod');
    expect(button).toBeEnabled();
    await userEvent.click(button);
    expect(onConfirm).toHaveBeenCalled();
  });

  it('the diff view shows both sides of each field', () => {
    render(<DiffView fromLabel="before" toLabel="after" changes={[{ path: '/Timeout', op: 'change', from: 3 as never, to: 9 as never }]} />);
    expect(screen.getByTestId('diff-table')).toHaveTextContent('/Timeout');
    expect(screen.getByRole('columnheader', { name: 'before' })).toBeInTheDocument();
    expect(screen.getByText('9')).toBeInTheDocument();
  });

  it('the flow graph draws one focusable block per action', async () => {
    render(<FlowGraph name="Main" content={{ StartAction: 'a', Actions: [{ Identifier: 'a', Type: 'MessageParticipant', Parameters: { Text: 'hi' }, Transitions: { NextAction: 'b' } }, { Identifier: 'b', Type: 'DisconnectParticipant', Transitions: {} }] }} />);
    const blocks = screen.getAllByRole('button');
    expect(blocks).toHaveLength(2);
    blocks[0].focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByText(/"Text": "hi"/)).toBeInTheDocument();
  });

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

  it('a page that fails to render says so instead of going blank', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const Broken = () => {
      throw new Error('config.Flows is not an object');
    };
    render(
      <ErrorBoundary>
        <Broken />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('This page could not be shown: config.Flows is not an object');
  });
});
