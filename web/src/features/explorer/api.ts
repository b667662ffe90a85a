import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';
import { queryKeys } from '../../api/queries';
import type { Json } from '../../api/types';

export { useExtract } from '../../api/queries';

export const explorerKeys = {
  list: queryKeys.extract,
  describe: (service: string, account: string, region: string, name: string) => ['describe', service, account, region, name] as const,
};

/** One resource's current configuration (the detail views). */
export const useDescribe = (service: string, account: string, region: string, name: string) =>
  useQuery({
    queryKey: explorerKeys.describe(service, account, region, name),
    queryFn: () => get<{ config: Json }>(`/extract/${service}/${encodeURIComponent(name)}`, { account_id: account, region }),
    enabled: Boolean(account && region && name),
    staleTime: 60_000,
  });
