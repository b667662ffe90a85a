import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../../api/client';
import { queryKeys } from '../../api/queries';
import type { DiffResponse, SnapshotBody, SnapshotMeta } from '../../api/types';

export { SNAPSHOT_PAGE, useSnapshots } from '../../api/queries';

export const snapshotKeys = {
  ...queryKeys.snapshots,
  document: (key: string) => ['snapshot', key] as const,
  diff: (from: string, to: string) => ['diff', from, to] as const,
};

export const useTakeSnapshot = (onTaken: () => void) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SnapshotBody) => post<SnapshotMeta>('/snapshot', body),
    onSuccess: () => {
      onTaken();
      qc.invalidateQueries({ queryKey: snapshotKeys.all });
    },
  });
};

export const useSnapshotDocument = (key: string) =>
  useQuery({ queryKey: snapshotKeys.document(key), queryFn: () => get<Record<string, unknown>>(`/snapshots/${key}`) });

/** What changed between two snapshots, or since one (`to` = `live`). */
export const useDiff = (from: string, to: string) =>
  useQuery({ queryKey: snapshotKeys.diff(from, to), queryFn: () => get<DiffResponse>('/diff', { from, to }) });
