import axios, { AxiosError } from 'axios';
import type { DeployBody, JobAccepted, JobView, Json, ProgressEvent, RollbackBody } from './types';

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

http.interceptors.response.use(
  (r) => r,
  (e) => Promise.reject(toApiError(e)),
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
export async function runJob<T>(
  url: string,
  body: DeployBody | RollbackBody | Json,
  onProgress: (e: ProgressEvent) => void,
): Promise<T> {
  const accepted = await post<JobAccepted>(url, body, { background: 'true' });
  const view = await new Promise<JobView>((resolve, reject) => {
    const source = new EventSource(accepted.events_url);
    source.addEventListener('progress', (m) => onProgress(JSON.parse((m as MessageEvent).data)));
    source.addEventListener('done', (m) => {
      source.close();
      resolve(JSON.parse((m as MessageEvent).data));
    });
    source.onerror = () => {
      source.close();
      // The stream broke: ask for the job's state instead.
      get<JobView>(accepted.status_url).then(resolve, reject);
    };
  });
  if (view.status === 'failed') {
    const err = (view.error ?? {}) as { error?: { code?: string; message?: string; details?: Json }; message?: string };
    const inner = err.error ?? (err as { code?: string; message?: string; details?: Json });
    throw new ApiError(inner.message ?? 'The job failed', undefined, inner.code, inner.details);
  }
  return view.result as T;
}
