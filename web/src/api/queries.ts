import { useQuery } from '@tanstack/react-query';
import { get } from './client';
import type { AccountView, Health, Json, SnapshotMeta } from './types';

export const useHealth = () => useQuery({ queryKey: ['healthz'], queryFn: () => get<Health>('/healthz'), staleTime: Infinity });

export const useAccounts = () => useQuery({ queryKey: ['accounts'], queryFn: () => get<AccountView[]>('/accounts') });

export interface Extracted {
  resources: Json[];
}

export const useExtract = (service: string, account: string, region: string) =>
  useQuery({
    queryKey: ['extract', service, account, region],
    queryFn: () => get<Extracted>(`/extract/${service}`, { account_id: account, region }),
    enabled: Boolean(account && region),
    staleTime: 60_000,
  });

export const useDescribe = (service: string, account: string, region: string, name: string) =>
  useQuery({
    queryKey: ['describe', service, account, region, name],
    queryFn: () =>
      get<{ config: Json }>(`/extract/${service}/${encodeURIComponent(name)}`, { account_id: account, region }),
    enabled: Boolean(account && region && name),
    staleTime: 60_000,
  });

/** How many of a resource's snapshots the pages list: the newest; the API reads no more. */
export const SNAPSHOT_PAGE = 100;

export const useSnapshots = (account: string, service: string, resource: string) =>
  useQuery({
    queryKey: ['snapshots', account, service, resource],
    queryFn: () =>
      get<SnapshotMeta[]>('/snapshots', {
        account_id: account,
        ...(service ? { service } : {}),
        ...(resource ? { resource_name: resource } : {}),
        limit: String(SNAPSHOT_PAGE),
      }),
    enabled: Boolean(account),
  });
