import { useMutation, useQueryClient } from '@tanstack/react-query';
import { http } from '../../api/client';
import { queryKeys } from '../../api/queries';
import type { NewAccount } from '../../api/types';

export { useAccounts } from '../../api/queries';

/** The accounts feature's keys: the registry listing is all it reads. */
export const accountKeys = { list: queryKeys.accounts };

export const useAddAccount = (onAdded: () => void) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (account: NewAccount) => http.post('/accounts', account),
    onSuccess: () => {
      onAdded();
      qc.invalidateQueries({ queryKey: accountKeys.list });
    },
  });
};

export const useRemoveAccount = (onRemoved: () => void) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => http.delete(`/accounts/${id}`),
    onSuccess: () => {
      onRemoved();
      qc.invalidateQueries({ queryKey: accountKeys.list });
    },
  });
};
