import { useQuery } from '@tanstack/react-query';
import { get } from './client';
import { useHealth } from './queries';
import { useToken } from './session';
import type { Me, Role } from './types';

const rank: Record<Role, number> = { viewer: 0, operator: 1, approver: 2, admin: 3 };

/** Who is signed in (or, without sign-in, who the server acts as). */
export function useMe() {
  const token = useToken();
  const health = useHealth();
  const signInNeeded = health.data?.auth === 'tokens' || health.data?.auth === 'oidc';
  return useQuery({
    queryKey: ['me', token],
    queryFn: () => get<Me>('/me'),
    enabled: health.isSuccess && (!signInNeeded || Boolean(token)),
    staleTime: 60_000,
  });
}

/** The demo's users, offered as "sign in as" (a demo server on this machine only). */
export const useDemoUsers = (enabled: boolean) =>
  useQuery({ queryKey: ['demo-users'], queryFn: () => get<Record<string, string>>('/demo/users'), enabled, retry: false });

/** Whether the signed-in person's role allows `needed`, and if not, why (shown on hover). */
export function useCan(needed: Role): { allowed: boolean; why: string | undefined } {
  const me = useMe();
  const role = me.data?.role;
  if (!role) return { allowed: false, why: 'sign in first' };
  if (rank[role] >= rank[needed]) return { allowed: true, why: undefined };
  return { allowed: false, why: `needs the ${needed} role; you are ${role}` };
}
