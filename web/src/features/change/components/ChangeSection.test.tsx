import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { http } from '../../../api/client';
import type { DeployBody } from '../../../api/types';
import { useChange } from '../api';
import { ChangeSection } from './ChangeSection';

/** A server-sent event stream, driven by the test: it says when events arrive or the stream breaks. */
class FakeEventSource {
  static last: FakeEventSource | undefined;
  closed = false;
  response: Response;
  headers: Record<string, string>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  constructor(public url: string, init?: RequestInit) {
    FakeEventSource.last = this;
    this.headers = (init?.headers ?? {}) as Record<string, string>;
    init?.signal?.addEventListener('abort', () => {
      this.closed = true;
    });
    const body = new ReadableStream<Uint8Array>({ start: (c) => (this.controller = c) });
    this.response = new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }
  emit(type: string, data: unknown, id?: number) {
    const line = id === undefined ? '' : `id: ${id}\n`;
    this.controller.enqueue(new TextEncoder().encode(`${line}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`));
  }
  /** The connection drops. */
  onerror() {
    this.controller.error(new Error('connection dropped'));
  }
}

type Route = (config: InternalAxiosRequestConfig) => { status: number; data: unknown };

/** Answers the app's requests as the API would, one route function per test. */
function serve(route: Route) {
  http.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    const { status, data } =
      config.url === '/healthz' ? { status: 200, data: { status: 'ok', mode: 'aws', version: '0', auth: 'none' } }
      : config.url === '/me' ? { status: 200, data: { subject: 'tester', role: 'admin', accounts: [], via: 'none', auth: 'none', approvals: false } }
      : route(config);
    const response: AxiosResponse = { status, statusText: '', data, headers: {}, config };
    if (status >= 400) throw new AxiosError('Request failed', 'ERR_BAD_REQUEST', config, undefined, response);
    return response;
  };
}

const accepted = { job_id: 'job-1', status_url: '/jobs/job-1', events_url: '/jobs/job-1/events' };
const body: DeployBody = { source: { snapshot_key: 'k' }, target: { account_id: '222222222222', region: 'us-east-1' }, options: {} };
const plan = { service: 'lambda', resource_name: 'cc-customer-lookup', target_account_id: '222222222222', target_region: 'us-east-1', action: 'update', changes: [], remapped: [], unmapped: [], warnings: [], substitutions: [], kept: [], summary: {}, desired: {} };

/** The deploy page's change flow without its pickers: plan, confirm, progress and report. */
function Harness() {
  const change = useChange<DeployBody>('/deploy');
  return (
    <>
      <button onClick={() => change.dryRun(body)}>Show the plan</button>
      <ChangeSection title="Plan" change={change} protectedTarget={false} resource="cc-customer-lookup" label="Deploy" runningLabel="Deploying…" onConfirm={() => change.apply(body)} />
    </>
  );
}

async function planThenDeploy() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter>
        <Harness />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  await userEvent.click(screen.getByRole('button', { name: 'Show the plan' }));
  const deploy = await screen.findByRole('button', { name: 'Deploy' });
  await waitFor(() => expect(deploy).toBeEnabled());
  await userEvent.click(deploy);
}

describe('a change from plan to report', () => {
  beforeEach(() => {
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => new FakeEventSource(String(url), init).response);
    FakeEventSource.last = undefined;
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reconnects when the progress stream breaks, resuming after the last event, and shows the report', async () => {
    const report = { status: 'succeeded', plan, steps: [{ step: 'update_configuration', status: 'ok' }], safety_snapshot: { key: 'safety-1' } };
    serve((c) => {
      if (c.url === '/deploy' && c.data && JSON.parse(c.data).dry_run) return { status: 200, data: plan };
      if (c.url === '/deploy') return { status: 202, data: accepted };
      return { status: 404, data: {} };
    });
    await planThenDeploy();
    await waitFor(() => expect(FakeEventSource.last?.url).toBe('/jobs/job-1/events'));
    const stream = FakeEventSource.last!;
    act(() => stream.emit('progress', { message: 'planning', done: 0, total: 1 }, 1));
    expect(await screen.findByText('planning')).toBeInTheDocument();
    // The connection drops (a proxy timed out, a replica restarted): the stream is opened
    // again, asking for what came after event 1.
    act(() => stream.onerror());
    await waitFor(() => expect(FakeEventSource.last).not.toBe(stream), { timeout: 5000 });
    const again = FakeEventSource.last!;
    expect(again.url).toBe('/jobs/job-1/events');
    expect(again.headers['last-event-id']).toBe('1');
    act(() => again.emit('progress', { message: 'updating the configuration', done: 1, total: 2 }, 2));
    act(() => again.emit('done', { id: 'job-1', kind: 'deploy', status: 'succeeded', state: 'succeeded', events: [], result: report }));
    expect(await screen.findByText('Result: succeeded')).toBeInTheDocument();
    expect(screen.getByText('safety-1')).toBeInTheDocument();
  });

  it("shows a failed change's report: what failed, what was restored, and the API's message", async () => {
    const report = {
      status: 'failed_restored',
      plan,
      steps: [
        { step: 'update_code', status: 'ok' },
        { step: 'update_configuration', status: 'failed' },
        { step: 'restore', status: 'ok', message: 'restored from safety snapshot safety-2' },
      ],
      safety_snapshot: { key: 'safety-2' },
      error: 'updating function configuration: InvalidParameterValueException: injected',
    };
    serve((c) => {
      if (c.url === '/deploy' && c.data && JSON.parse(c.data).dry_run) return { status: 200, data: plan };
      if (c.url === '/deploy') return { status: 202, data: accepted };
      return { status: 404, data: {} };
    });
    await planThenDeploy();
    await waitFor(() => expect(FakeEventSource.last).toBeDefined());
    const failed = {
      id: 'job-1',
      kind: 'deploy',
      status: 'failed',
      events: [],
      error: { error: { code: 'change_failed', message: `${report.error}; the resource was restored from the safety snapshot`, details: { report } } },
    };
    act(() => FakeEventSource.last!.emit('done', failed));
    expect(await screen.findByText('Result: failed_restored')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('change_failed: updating function configuration: InvalidParameterValueException: injected; the resource was restored from the safety snapshot');
    expect(screen.getByText(/✘ update_configuration/)).toBeInTheDocument();
    expect(screen.getByText(/✔ restore — restored from safety snapshot safety-2/)).toBeInTheDocument();
    // Nothing to confirm again: a new attempt starts from a new plan.
    expect(screen.queryByRole('button', { name: 'Deploy' })).not.toBeInTheDocument();
  });

  it('says who holds the resource when another change is running (the conflict the job ends with), and lets the user try again', async () => {
    const message = 'lambda cc-customer-lookup in account 222222222222 region us-east-1 is being changed by alice since 2026-12-01T07:00:00Z (the lease lapses at 2026-12-01T07:02:00Z if that change never ends)';
    serve((c) => {
      if (c.url === '/deploy' && c.data && JSON.parse(c.data).dry_run) return { status: 200, data: plan };
      if (c.url === '/deploy') return { status: 202, data: accepted };
      return { status: 404, data: {} };
    });
    await planThenDeploy();
    await waitFor(() => expect(FakeEventSource.last).toBeDefined());
    // A background job's error is the API's error object itself, as /jobs/{id} shows it.
    act(() => FakeEventSource.last!.emit('done', { id: 'job-1', kind: 'deploy', status: 'failed', events: [], error: { code: 'conflict', message, details: {} } }));
    expect(await screen.findByRole('alert')).toHaveTextContent(`conflict: ${message}`);
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeEnabled();
    expect(screen.queryByTestId('report')).not.toBeInTheDocument();
  });

  it('shows a refusal the API answers at once (409) the same way', async () => {
    const message = 'lambda cc-customer-lookup in account 222222222222 region us-east-1 is being changed by alice since 2026-12-01T07:00:00Z';
    serve((c) => {
      if (c.url === '/deploy' && c.data && JSON.parse(c.data).dry_run) return { status: 200, data: plan };
      if (c.url === '/deploy') return { status: 409, data: { error: { code: 'conflict', message, details: {} } } };
      return { status: 404, data: {} };
    });
    await planThenDeploy();
    expect(await screen.findByRole('alert')).toHaveTextContent(`conflict: ${message}`);
    expect(FakeEventSource.last).toBeUndefined();
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeEnabled();
  });
});
