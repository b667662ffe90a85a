import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, get, http, toApiError } from './client';

const axiosError = (status: number, data: unknown) =>
  new AxiosError('Request failed', 'ERR_BAD_REQUEST', undefined, undefined, {
    status,
    statusText: '',
    data,
    headers: {},
    config: { headers: new AxiosHeaders() },
  });

describe('the API client', () => {
  it("turns the API's error shape into a readable error", () => {
    const e = toApiError(axiosError(422, { error: { code: 'invalid_operation', message: 'region eu-west-1 is not registered', details: { field: 'region' } } }));
    expect(e).toBeInstanceOf(ApiError);
    expect([e.message, e.status, e.code, e.details]).toEqual(['region eu-west-1 is not registered', 422, 'invalid_operation', { field: 'region' }]);
  });
  it('says so when the body is not the error shape, or there is no answer', () => {
    expect(toApiError(axiosError(500, '<html>')).message).toBe('The server answered 500');
    expect(toApiError(new AxiosError('Network Error')).message).toBe('The server could not be reached');
  });
  it('requests through the one configured client and rejects with ApiError', async () => {
    const adapter = vi.fn().mockRejectedValue(axiosError(404, { error: { code: 'not_found', message: 'account 1 is not registered', details: {} } }));
    http.defaults.adapter = adapter;
    await expect(get('/accounts')).rejects.toMatchObject({ code: 'not_found', message: 'account 1 is not registered' });
    expect(adapter.mock.calls[0][0].url).toBe('/accounts');
  });
});
