import { useQuery } from '@tanstack/react-query';
import { get } from './client';
import type { AccountView, Health, Json, SnapshotMeta } from './types';

/**
 * Query keys of the data several features read (the features' own keys extend these), so a
 * mutation anywhere invalidates exactly what it changed.
 */
export const queryKeys = {
  health: ['healthz'] as const,
  accounts: ['accounts'] as const,
  extract: (service: string, account: string, region: string) => ['extract', service, account, region] as const,
  snapshots: {
    all: ['snapshots'] as const,
    of: (account: string, service: string, resource: string) => ['snapshots', account, service, resource] as const,
  },
};

export const useHealth = () => useQuery({ queryKey: queryKeys.health, queryFn: () => get<Health>('/healthz'), staleTime: Infinity });

export const useAccounts = () => useQuery({ queryKey: queryKeys.accounts, queryFn: () => get<AccountView[]>('/accounts') });

export interface Extracted {
  resources: Json[];
}

export const useExtract = (service: string, account: string, region: string) =>
  useQuery({
    queryKey: queryKeys.extract(service, account, region),
    queryFn: () => get<Extracted>(`/extract/${service}`, { account_id: account, region }),
    enabled: Boolean(account && region),
    staleTime: 60_000,
  });

/** How many of a resource's snapshots the pages list: the newest; the API reads no more. */
export const SNAPSHOT_PAGE = 100;

export const useSnapshots = (account: string, service: string, resource: string) =>
  useQuery({
    queryKey: queryKeys.snapshots.of(account, service, resource),
    queryFn: () =>
      get<SnapshotMeta[]>('/snapshots', {
        account_id: account,
        ...(service ? { service } : {}),
        ...(resource ? { resource_name: resource } : {}),
        limit: String(SNAPSHOT_PAGE),
      }),
    enabled: Boolean(account),
  });
