import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import FlowGraph from './FlowGraph';

describe('the flow graph', () => {
  it('the flow graph draws one focusable block per action', async () => {
    render(<FlowGraph name="Main" content={{ StartAction: 'a', Actions: [{ Identifier: 'a', Type: 'MessageParticipant', Parameters: { Text: 'hi' }, Transitions: { NextAction: 'b' } }, { Identifier: 'b', Type: 'DisconnectParticipant', Transitions: {} }] }} />);
    const blocks = screen.getAllByRole('button');
    expect(blocks).toHaveLength(2);
    blocks[0].focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByText(/"Text": "hi"/)).toBeInTheDocument();
  });
});
