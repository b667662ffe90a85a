import { useState } from 'react';
import { useCan } from '../../../api/auth';
import type { CreatedToken, Role, TokenView } from '../../../api/types';
import { ConfirmInRow, ErrorBox, Loading, Section, buttonCls, inputCls, secondaryCls } from '../../../components/common';
import { type NewTokenForm, toNewToken, useCreateToken, useRevokeToken, useTokens } from '../api';

const roles: Role[] = ['viewer', 'operator', 'approver', 'admin'];
const empty: NewTokenForm = { name: '', role: 'operator', accounts: '', expires_in_days: '90' };
const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '');

/** API tokens for pipelines and the CLI: made (shown once), listed with their last use, revoked. */
export default function TokensPage() {
  const canAdmin = useCan('admin');
  const tokens = useTokens(canAdmin.allowed);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">API tokens</h1>
      {!canAdmin.allowed ? (
        <p role="note">Only an admin manages tokens ({canAdmin.why}).</p>
      ) : (
        <>
          <Section title="Tokens">
            {tokens.isPending && <Loading what="tokens" />}
            <ErrorBox error={tokens.error} />
            {tokens.data && <TokenTable tokens={tokens.data} />}
          </Section>
          <Section title="Create a token">
            {created && <Created token={created} onDone={() => setCreated(null)} />}
            <CreateToken onCreated={setCreated} />
          </Section>
        </>
      )}
    </>
  );
}

function Created({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="mb-4 rounded border border-green-300 bg-green-50 p-3 text-sm" data-testid="created-token">
      <p className="mb-2 font-semibold">
        Token for {token.name} ({token.role}). Copy it now: it is shown this once, the server keeps only its hash.
      </p>
      <code className="block break-all rounded bg-white p-2 font-mono" data-testid="token-value">
        {token.token}
      </code>
      <div className="mt-2 flex gap-2">
        <button
          className={secondaryCls}
          onClick={() => {
            void navigator.clipboard?.writeText(token.token).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button className={secondaryCls} onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function TokenTable({ tokens }: { tokens: TokenView[] }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useRevokeToken(() => setConfirming(null));
  if (tokens.length === 0) return <p>No tokens yet.</p>;
  return (
    <>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b">
            <th className="py-1">Name</th>
            <th>Role</th>
            <th>Accounts</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} className="border-b last:border-0" data-testid={`token-${t.name}`}>
              <td className="py-2">
                {t.name} <span className="font-mono text-xs text-slate-600">{t.id}</span>
              </td>
              <td>{t.role}</td>
              <td className="font-mono text-xs">{t.accounts.length ? t.accounts.join(', ') : 'every account'}</td>
              <td>
                {day(t.created_at)} by {t.created_by}
              </td>
              <td>{t.expired ? <span className="font-semibold text-red-800">expired</span> : day(t.expires_at) || 'never'}</td>
              <td>{t.last_used_at ? t.last_used_at.slice(0, 16).replace('T', ' ') : 'never'}</td>
              <td className="text-right">
                <ConfirmInRow
                  open={confirming === t.id}
                  onOpen={() => setConfirming(t.id)}
                  onCancel={() => setConfirming(null)}
                  onConfirm={() => revoke.mutate(t.id)}
                  action="Revoke"
                  label={`Revoke ${t.name}`}
                  question={`Revoke ${t.name}? Anything using it stops at once.`}
                  confirm="Confirm revoke"
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={revoke.error} />
    </>
  );
}

export function CreateToken({ onCreated }: { onCreated: (t: CreatedToken) => void }) {
  const [form, setForm] = useState<NewTokenForm>(empty);
  const [submitted, setSubmitted] = useState(false);
  const { body, errors } = toNewToken(form);
  const create = useCreateToken((t) => {
    onCreated(t);
    setForm(empty);
    setSubmitted(false);
  });
  const error = (k: keyof NewTokenForm) => (
    <span id={`token-${k}-error`} className="min-h-4 text-xs text-red-700">
      {submitted || form[k] ? errors[k] : ''}
    </span>
  );
  return (
    <form
      className="grid grid-cols-1 gap-2 md:grid-cols-4"
      onSubmit={(e) => {
        e.preventDefault();
        setSubmitted(true);
        if (body) create.mutate(body);
      }}
    >
      <div className="flex flex-col text-sm">
        <label htmlFor="token-name">Name (who or what uses it)</label>
        <input id="token-name" className={inputCls} value={form.name} placeholder="ci-pipeline" aria-invalid={Boolean(submitted && errors.name)} aria-describedby="token-name-error" onChange={(e) => setForm({ ...form, name: e.target.value })} />
        {error('name')}
      </div>
      <div className="flex flex-col text-sm">
        <label htmlFor="token-role">Role</label>
        <select id="token-role" className={inputCls} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </div>
      <div className="flex flex-col text-sm">
        <label htmlFor="token-accounts">Only these accounts (optional)</label>
        <input id="token-accounts" className={inputCls} value={form.accounts} placeholder="111111111111, 222222222222" aria-invalid={Boolean(errors.accounts)} aria-describedby="token-accounts-error" onChange={(e) => setForm({ ...form, accounts: e.target.value })} />
        {error('accounts')}
      </div>
      <div className="flex flex-col text-sm">
        <label htmlFor="token-expires_in_days">Expires in days (empty: never)</label>
        <input id="token-expires_in_days" className={inputCls} inputMode="numeric" value={form.expires_in_days} aria-invalid={Boolean(errors.expires_in_days)} aria-describedby="token-expires_in_days-error" onChange={(e) => setForm({ ...form, expires_in_days: e.target.value })} />
        {error('expires_in_days')}
      </div>
      <div className="md:col-span-4">
        <button type="submit" className={buttonCls} disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
        <ErrorBox error={create.error} />
      </div>
    </form>
  );
}
