import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Confirm } from './Confirm';
import { ErrorBoundary } from './ErrorBoundary';

describe('shared components', () => {
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
