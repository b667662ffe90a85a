import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';
import type { AuditEntry } from '../../api/types';

export { useAccounts } from '../../api/queries';

/** How many entries the page shows, newest first. */
export const AUDIT_PAGE = 200;

export const auditKeys = {
  all: ['audit'] as const,
  of: (account: string) => ['audit', account] as const,
};

export const useAudit = (account: string) =>
  useQuery({
    queryKey: auditKeys.of(account),
    queryFn: () => get<AuditEntry[]>('/audit', { limit: String(AUDIT_PAGE), ...(account ? { account_id: account } : {}) }),
  });
