import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { followJob, jobResult, post, get } from '../../api/client';
import type { Approved, ChangeRequest, ProgressEvent } from '../../api/types';

export const changeKeys = { all: ['changes'] as const, of: (state: string) => ['changes', state] as const };

export const useChanges = (state: string) =>
  useQuery({
    queryKey: changeKeys.of(state),
    queryFn: () => get<ChangeRequest[]>('/changes', state ? { state } : {}),
  });

/** Approve: the change runs as a job; its progress is reported until it ends. */
export function useApprove(onProgress: (e: ProgressEvent) => void) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, comment }: { id: string; comment: string }) => {
      const approved = await post<Approved>(`/changes/${id}/approve`, comment ? { comment } : {});
      try {
        return jobResult(await followJob(approved, onProgress));
      } finally {
        await queries.invalidateQueries({ queryKey: changeKeys.all });
        await queries.invalidateQueries({ queryKey: ['audit'] });
      }
    },
    onError: () => queries.invalidateQueries({ queryKey: changeKeys.all }),
  });
}

export function useReject() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ id, comment }: { id: string; comment: string }) => post<ChangeRequest>(`/changes/${id}/reject`, { comment }),
    onSettled: () => queries.invalidateQueries({ queryKey: changeKeys.all }),
  });
}
