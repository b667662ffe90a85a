import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import DiffView from './DiffView';

describe('the diff view', () => {
  it('the diff view shows both sides of each field', () => {
    render(<DiffView fromLabel="before" toLabel="after" changes={[{ path: '/Timeout', op: 'change', from: 3 as never, to: 9 as never }]} />);
    expect(screen.getByTestId('diff-table')).toHaveTextContent('/Timeout');
    expect(screen.getByRole('columnheader', { name: 'before' })).toBeInTheDocument();
    expect(screen.getByText('9')).toBeInTheDocument();
  });
});
