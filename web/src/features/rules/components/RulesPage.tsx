import { useState } from 'react';
import { useCan } from '../../../api/auth';
import { useAccounts } from '../../../api/queries';
import type { PromotionRules, RuleSet, Substitution } from '../../../api/types';
import { ErrorBox, Loading, Section, buttonCls, inputCls, secondaryCls } from '../../../components/common';
import { usePairRules, useRemoveRules, useRuleSets, useSaveRules } from '../api';

type Pair = { source: string; target: string };

export default function RulesPage() {
  const [pair, setPair] = useState<Pair>({ source: '', target: '' });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Promotion rules</h1>
      <p className="mb-4 max-w-3xl text-sm text-slate-700">
        Rules say how a value that differs between two accounts is written when a deploy goes from one to the other:
        substitutions rewrite string values (a dev table name to the prod one), and kept paths leave the target's own
        value in place (a stage variable). Every deploy's plan lists what its rules did.
      </p>
      <Section title="Account pairs with rules">
        <RuleSetTable onEdit={setPair} />
      </Section>
      <Section title="Edit a pair's rules">
        <PairPicker pair={pair} onChange={setPair} />
        {pair.source && pair.target && <PairEditor key={`${pair.source}-${pair.target}`} pair={pair} />}
      </Section>
    </>
  );
}

function RuleSetTable({ onEdit }: { onEdit: (p: Pair) => void }) {
  const sets = useRuleSets();
  if (sets.isPending) return <Loading what="promotion rules" />;
  if (sets.error) return <ErrorBox error={sets.error} />;
  if (sets.data.length === 0) return <p>No pair has rules yet: choose a source and a target account below.</p>;
  return (
    <table className="w-full text-left text-sm">
      <thead>
        <tr className="border-b">
          <th className="py-1">From</th>
          <th>To</th>
          <th>Rules</th>
          <th>Set by</th>
          <th>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sets.data.map((s) => (
          <tr key={`${s.source_account_id}-${s.target_account_id}`} className="border-b last:border-0" data-testid={`rules-${s.source_account_id}-${s.target_account_id}`}>
            <td className="py-2 font-mono">{s.source_account_id}</td>
            <td className="font-mono">{s.target_account_id}</td>
            <td>
              {s.substitutions.length} substitution(s), {s.keep_target.length} kept path(s)
            </td>
            <td>
              {s.updated_by} at {new Date(s.updated_at).toLocaleString()}
            </td>
            <td className="text-right">
              <button
                className={secondaryCls}
                onClick={() => onEdit({ source: s.source_account_id, target: s.target_account_id })}
                aria-label={`Edit the rules from ${s.source_account_id} to ${s.target_account_id}`}
              >
                Edit
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PairPicker({ pair, onChange }: { pair: Pair; onChange: (p: Pair) => void }) {
  const accounts = useAccounts();
  const select = (key: keyof Pair, label: string) => (
    <label className="flex flex-col text-sm" htmlFor={`rules-${key}`}>
      {label}
      <select id={`rules-${key}`} className={inputCls} value={pair[key]} onChange={(e) => onChange({ ...pair, [key]: e.target.value })}>
        <option value="">choose…</option>
        {accounts.data?.map((a) => (
          <option key={a.account_id} value={a.account_id}>
            {a.name} ({a.account_id})
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="mb-3 flex flex-wrap items-end gap-3">
      {select('source', 'Source account')}
      {select('target', 'Target account')}
    </div>
  );
}

const emptySub: Substitution = { from: '', to: '', match: 'substring' };

/** The rules as the form edits them: the stored set, or nothing yet. */
function toForm(set: RuleSet | null | undefined): Required<PromotionRules> {
  return { substitutions: set?.substitutions ?? [], keep_target: set?.keep_target ?? [] };
}

export function PairEditor({ pair }: { pair: Pair }) {
  const current = usePairRules(pair.source, pair.target);
  const [saved, setSaved] = useState<string | null>(null);
  if (current.isPending) return <Loading what="the pair's rules" />;
  if (current.error) return <ErrorBox error={current.error} />;
  return (
    <>
      {/* A new stored version (saved here or elsewhere) starts the form again from it. */}
      <RulesForm key={current.data?.updated_at ?? 'none'} pair={pair} stored={current.data} onDone={setSaved} />
      {saved && (
        <p role="status" className="mt-2 text-sm text-green-800">
          {saved}
        </p>
      )}
    </>
  );
}

function RulesForm({ pair, stored, onDone }: { pair: Pair; stored: RuleSet | null; onDone: (message: string | null) => void }) {
  const canAdmin = useCan('admin');
  const [form, setForm] = useState<Required<PromotionRules>>(toForm(stored));
  const [confirming, setConfirming] = useState(false);
  const save = useSaveRules(pair.source, pair.target);
  const remove = useRemoveRules(pair.source, pair.target);
  const setSub = (i: number, patch: Partial<Substitution>) =>
    setForm({ ...form, substitutions: form.substitutions.map((s, n) => (n === i ? { ...s, ...patch } : s)) });
  const setKeep = (i: number, value: string) => setForm({ ...form, keep_target: form.keep_target.map((k, n) => (n === i ? value : k)) });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onDone(null);
        save.mutate(form, { onSuccess: (set) => onDone(`Saved by ${set.updated_by}: deploys from ${pair.source} to ${pair.target} follow these rules.`) });
      }}
    >
      {stored === null && <p className="mb-2 text-sm text-slate-600">This pair has no rules yet.</p>}
      {pair.source === pair.target && (
        <p className="mb-2 text-sm text-amber-900">Source and target are the same account: these rules apply to deploys within it.</p>
      )}
      <fieldset className="mb-3">
        <legend className="font-semibold">Substitutions</legend>
        {form.substitutions.map((s, i) => (
          <div key={i} className="mb-1 flex flex-wrap items-end gap-2" data-testid={`substitution-${i}`}>
            <label className="flex flex-col text-sm">
              From
              <input className={inputCls} value={s.from} aria-label={`Substitution ${i + 1}: from`} onChange={(e) => setSub(i, { from: e.target.value })} />
            </label>
            <label className="flex flex-col text-sm">
              To
              <input className={inputCls} value={s.to} aria-label={`Substitution ${i + 1}: to`} onChange={(e) => setSub(i, { to: e.target.value })} />
            </label>
            <label className="flex flex-col text-sm">
              Match
              <select
                className={inputCls}
                value={s.match ?? 'substring'}
                aria-label={`Substitution ${i + 1}: match`}
                onChange={(e) => setSub(i, { match: e.target.value as Substitution['match'] })}
              >
                <option value="substring">inside values</option>
                <option value="whole">whole values only</option>
              </select>
            </label>
            <button
              type="button"
              className={secondaryCls}
              aria-label={`Remove substitution ${i + 1}`}
              onClick={() => setForm({ ...form, substitutions: form.substitutions.filter((_, n) => n !== i) })}
            >
              Remove
            </button>
          </div>
        ))}
        <button type="button" className={secondaryCls} onClick={() => setForm({ ...form, substitutions: [...form.substitutions, { ...emptySub }] })}>
          Add substitution
        </button>
      </fieldset>
      <fieldset className="mb-3">
        <legend className="font-semibold">Kept as the target has them</legend>
        <p className="text-xs text-slate-600">
          service:/JSON/pointer, * for any one key — e.g. lambda:/Environment/Variables/STAGE or connect:/Queues/*/OutboundCallerConfig
        </p>
        {form.keep_target.map((k, i) => (
          <div key={i} className="mb-1 flex items-end gap-2">
            <input className={inputCls + ' w-96 font-mono'} value={k} aria-label={`Kept path ${i + 1}`} onChange={(e) => setKeep(i, e.target.value)} />
            <button
              type="button"
              className={secondaryCls}
              aria-label={`Remove kept path ${i + 1}`}
              onClick={() => setForm({ ...form, keep_target: form.keep_target.filter((_, n) => n !== i) })}
            >
              Remove
            </button>
          </div>
        ))}
        <button type="button" className={secondaryCls} onClick={() => setForm({ ...form, keep_target: [...form.keep_target, ''] })}>
          Add kept path
        </button>
      </fieldset>
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" className={buttonCls} disabled={save.isPending || !canAdmin.allowed} title={canAdmin.why}>
          {save.isPending ? 'Saving…' : 'Save rules'}
        </button>
        {stored &&
          (confirming ? (
            <>
              <span className="text-sm">Remove every rule of this pair?</span>
              <button
                type="button"
                className={buttonCls + ' bg-red-600 hover:bg-red-700'}
                onClick={() =>
                  remove.mutate(undefined, {
                    onSuccess: () => {
                      setConfirming(false);
                      onDone('Removed: deploys between these accounts carry values as they are (and the plan flags what names the source account).');
                    },
                  })
                }
              >
                Confirm removal
              </button>
              <button type="button" className={secondaryCls} onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className={secondaryCls} disabled={!canAdmin.allowed} title={canAdmin.why} onClick={() => setConfirming(true)}>
              Remove rules
            </button>
          ))}
      </div>
      <ErrorBox error={save.error ?? remove.error} />
    </form>
  );
}
