import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, http } from '../../api/client';
import type { CreatedToken, Role, TokenView } from '../../api/types';

export const tokenKeys = { list: ['tokens'] as const };

export const useTokens = (enabled: boolean) => useQuery({ queryKey: tokenKeys.list, queryFn: () => get<TokenView[]>('/tokens'), enabled });

export type NewTokenForm = { name: string; role: Role; accounts: string; expires_in_days: string };

/** The form as the API's body, or what is wrong with it (by field). */
export function toNewToken(f: NewTokenForm): { body?: { name: string; role: Role; accounts: string[]; expires_in_days?: number }; errors: Partial<Record<keyof NewTokenForm, string>> } {
  const errors: Partial<Record<keyof NewTokenForm, string>> = {};
  const name = f.name.trim();
  if (!/^[A-Za-z0-9.\-_@]{1,64}$/.test(name)) errors.name = '1 to 64 letters, digits or . - _ @';
  const accounts = f.accounts
    .split(/[\s,]+/)
    .map((a) => a.trim())
    .filter(Boolean);
  if (accounts.some((a) => !/^\d{12}$/.test(a))) errors.accounts = 'account ids are 12 digits, separated by commas';
  let expires: number | undefined;
  if (f.expires_in_days.trim() !== '') {
    expires = Number(f.expires_in_days);
    if (!Number.isInteger(expires) || expires < 1 || expires > 3650) errors.expires_in_days = 'a whole number of days, 1 to 3650';
  }
  if (Object.keys(errors).length) return { errors };
  return { body: { name, role: f.role, accounts, ...(expires !== undefined ? { expires_in_days: expires } : {}) }, errors };
}

export const useCreateToken = (onCreated: (t: CreatedToken) => void) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: NonNullable<ReturnType<typeof toNewToken>['body']>) => (await http.post<CreatedToken>('/tokens', body)).data,
    onSuccess: (t) => {
      onCreated(t);
      qc.invalidateQueries({ queryKey: tokenKeys.list });
    },
  });
};

export const useRevokeToken = (onRevoked: () => void) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete(`/tokens/${encodeURIComponent(id)}`),
    onSuccess: () => {
      onRevoked();
      qc.invalidateQueries({ queryKey: tokenKeys.list });
    },
  });
};
