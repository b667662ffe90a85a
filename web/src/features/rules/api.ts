import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, http } from '../../api/client';
import type { PromotionRules, RuleSet } from '../../api/types';

export const ruleKeys = {
  all: ['promotion-rules'] as const,
};

const pairPath = (source: string, target: string) => `/promotion-rules/${source}/${target}`;

export const useRuleSets = () => useQuery({ queryKey: ruleKeys.all, queryFn: () => get<RuleSet[]>('/promotion-rules') });

/**
 * A pair's rules, `null` when it has none yet: read from the listing, so a pair without rules
 * is not a failed request.
 */
export const usePairRules = (source: string, target: string) =>
  useQuery({
    queryKey: ruleKeys.all,
    queryFn: () => get<RuleSet[]>('/promotion-rules'),
    select: (sets) => sets.find((s) => s.source_account_id === source && s.target_account_id === target) ?? null,
    enabled: Boolean(source && target),
  });

export const useSaveRules = (source: string, target: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (rules: PromotionRules) => (await http.put<RuleSet>(pairPath(source, target), rules)).data,
    onSuccess: () => qc.invalidateQueries({ queryKey: ruleKeys.all }),
  });
};

export const useRemoveRules = (source: string, target: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => http.delete(pairPath(source, target)),
    onSuccess: () => qc.invalidateQueries({ queryKey: ruleKeys.all }),
  });
};
