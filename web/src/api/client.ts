import axios, { AxiosError } from 'axios';
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { endSession, getToken } from './session';
import type { ChangeRequested, DeployBody, JobAccepted, JobView, Json, ProgressEvent, RollbackBody } from './types';

/** The one configured HTTP client: same origin in production, proxied by Vite in dev. */
export const http = axios.create({ baseURL: '/', timeout: 120_000 });

/** What the API said went wrong, readable: its message (the API's error shape) or the transport's. */
export class ApiError extends Error {
  constructor(
    message: string,
    public status: number | undefined,
    public code: string | undefined,
    public details: Json | undefined,
  ) {
    super(message);
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof AxiosError) {
    const body = e.response?.data as { error?: { code?: string; message?: string; details?: Json } } | undefined;
    if (body?.error?.message) {
      return new ApiError(body.error.message, e.response?.status, body.error.code, body.error.details);
    }
    if (e.response) return new ApiError(`The server answered ${e.response.status}`, e.response.status, undefined, undefined);
    return new ApiError('The server could not be reached', undefined, undefined, undefined);
  }
  return new ApiError(e instanceof Error ? e.message : String(e), undefined, undefined, undefined);
}

http.interceptors.request.use((config) => {
  const token = getToken();
  if (token) config.headers.set('Authorization', `Bearer ${token}`);
  return config;
});

http.interceptors.response.use(
  (r) => r,
  (e) => {
    const err = toApiError(e);
    // A missing, expired or revoked token: back to sign-in.
    if (err.status === 401 && getToken()) endSession();
    return Promise.reject(err);
  },
);

export async function get<T>(url: string, params?: Record<string, string>): Promise<T> {
  return (await http.get<T>(url, { params })).data;
}

export async function post<T>(url: string, body: unknown, params?: Record<string, string>): Promise<T> {
  return (await http.post<T>(url, body, { params })).data;
}

/**
 * Runs a long POST as a background job, reporting its progress events as they come (server-sent
 * events), and resolves with its result, or rejects with its error (a failed change's report
 * stays in `details.report`).
 */
/** A change into a protected account waits for approval instead of running. */
export class ChangeRequestedError extends Error {
  constructor(public request: ChangeRequested) {
    super(`Waiting for approval: ${request.change_request.summary}`);
  }
}

/** Follows a job's progress events (server-sent events, with the session's token) to its end. */
export function followJob(accepted: JobAccepted, onProgress: (e: ProgressEvent) => void): Promise<JobView> {
  return new Promise<JobView>((resolve, reject) => {
    const ctrl = new AbortController();
    const token = getToken();
    let done = false;
    let retries = 0;
    const fallback = () => {
      // The stream broke for good: ask for the job's state instead.
      ctrl.abort();
      if (!done) get<JobView>(accepted.status_url).then(resolve, reject);
      done = true;
    };
    fetchEventSource(accepted.events_url, {
      signal: ctrl.signal,
      // The global fetch at call time (tests put their own in its place).
      fetch: (input, init) => globalThis.fetch(input, init),
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      openWhenHidden: true,
      onmessage(m) {
        if (m.event === 'progress') onProgress(JSON.parse(m.data));
        if (m.event === 'done') {
          done = true;
          ctrl.abort();
          resolve(JSON.parse(m.data));
        }
      },
      onclose() {
        // Closed before the end (a replica restarting): reconnect; the server resumes after
        // the last event received (Last-Event-ID).
        if (!done) throw new Error('the event stream closed before the job ended');
      },
      onerror(e) {
        retries += 1;
        if (retries > 5) {
          fallback();
          throw e;
        }
        return 1000;
      },
    }).catch(() => fallback());
  });
}

/**
 * Runs a long POST as a background job, reporting its progress events as they come, and
 * resolves with its result, or rejects with its error (a failed change's report stays in
 * `details.report`). A change into a protected account rejects with `ChangeRequestedError`.
 */
export async function runJob<T>(
  url: string,
  body: DeployBody | RollbackBody | Json,
  onProgress: (e: ProgressEvent) => void,
): Promise<T> {
  const accepted = await post<JobAccepted | ChangeRequested>(url, body, { background: 'true' });
  if ('change_request' in accepted) throw new ChangeRequestedError(accepted);
  return jobResult<T>(await followJob(accepted, onProgress));
}

/** A finished job's result, or its error thrown. */
export function jobResult<T>(view: JobView): T {
  if (view.status === 'succeeded') return view.result as T;
  if (view.status === 'interrupted' && !view.error) {
    // Its worker stopped; another put back what it had written.
    const r = (view.result ?? {}) as { message?: string };
    throw new ApiError(`The job was interrupted: ${r.message ?? 'its worker stopped'}`, undefined, 'interrupted', view.result as Json);
  }
  if (view.status === 'queued' || view.status === 'running') {
    throw new ApiError(`The job is still ${view.status}; follow it at /jobs/${view.id}`, undefined, view.status, undefined);
  }
  const err = (view.error ?? {}) as { error?: { code?: string; message?: string; details?: Json }; message?: string };
  const inner = err.error ?? (err as { code?: string; message?: string; details?: Json });
  throw new ApiError(inner.message ?? 'The job failed', undefined, inner.code, inner.details);
}
