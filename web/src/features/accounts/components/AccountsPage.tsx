import { useState } from 'react';
import { useCan } from '../../../api/auth';
import type { AccountView } from '../../../api/types';
import { ConfirmInRow, ErrorBox, Loading, Section, buttonCls, inputCls } from '../../../components/common';
import { useAccounts, useAddAccount, useRemoveAccount } from '../api';
import { type AccountForm, type FormErrors, toNewAccount, validateAccount } from '../validation';

const empty: AccountForm = { account_id: '', name: '', role_arn: '', external_id: '', regions: 'us-east-1', protected: false };

export default function AccountsPage() {
  const accounts = useAccounts();
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Accounts</h1>
      <Section title="Registered accounts">
        {accounts.isPending && <Loading what="accounts" />}
        <ErrorBox error={accounts.error} />
        {accounts.data && <AccountTable accounts={accounts.data} />}
      </Section>
      <Section title="Add an account">
        <AddAccount />
      </Section>
    </>
  );
}

function AccountTable({ accounts }: { accounts: AccountView[] }) {
  const canAdmin = useCan('admin');
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = useRemoveAccount(() => setConfirming(null));
  if (accounts.length === 0) return <p>No account yet: add one below.</p>;
  return (
    <>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b">
            <th className="py-1">Name</th>
            <th>Account</th>
            <th>Regions</th>
            <th>Role</th>
            <th>ExternalId</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.account_id} className="border-b last:border-0" data-testid={`account-${a.account_id}`}>
              <td className="py-2">
                {a.name}{' '}
                {a.protected && (
                  <span className="ml-1 rounded bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-800" title="Deploys here need the resource name typed to confirm">
                    🔒 protected
                  </span>
                )}
              </td>
              <td className="font-mono">{a.account_id}</td>
              <td>{a.regions.join(', ')}</td>
              <td className="font-mono text-xs">{a.role_arn}</td>
              <td>{a.external_id_set ? 'set' : '—'}</td>
              <td className="text-right">
                <ConfirmInRow
                  open={confirming === a.account_id}
                  onOpen={() => setConfirming(a.account_id)}
                  onCancel={() => setConfirming(null)}
                  onConfirm={() => remove.mutate(a.account_id)}
                  action="Remove"
                  label={`Remove ${a.name}`}
                  question={`Remove ${a.name}?`}
                  confirm="Confirm removal"
                  disabled={!canAdmin.allowed}
                  title={canAdmin.why}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={remove.error} />
    </>
  );
}

export function AddAccount() {
  const canAdmin = useCan('admin');
  const [form, setForm] = useState<AccountForm>(empty);
  const [touched, setTouched] = useState<Partial<Record<keyof AccountForm, boolean>>>({});
  const errors: FormErrors = validateAccount(form);
  const added = () => {
    setForm(empty);
    setTouched({});
  };
  const add = useAddAccount(added);
  const field = (key: Exclude<keyof AccountForm, 'protected'>, label: string, placeholder: string) => (
    <div className="flex flex-col text-sm">
      <label htmlFor={`new-${key}`}>{label}</label>
      <input
        id={`new-${key}`}
        className={inputCls}
        value={form[key]}
        placeholder={placeholder}
        aria-invalid={Boolean(touched[key] && errors[key])}
        aria-describedby={`new-${key}-error`}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        onBlur={() => setTouched({ ...touched, [key]: true })}
      />
      <span id={`new-${key}-error`} className="min-h-4 text-xs text-red-700">
        {touched[key] ? errors[key] : ''}
      </span>
    </div>
  );
  const valid = Object.keys(errors).length === 0;
  return (
    <form
      className="grid grid-cols-1 gap-2 md:grid-cols-3"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched({ account_id: true, name: true, role_arn: true, external_id: true, regions: true });
        if (valid) add.mutate(toNewAccount(form));
      }}
    >
      {field('account_id', 'Account id', '123456789012')}
      {field('name', 'Name', 'contact-centre-test')}
      {field('role_arn', 'Role ARN', 'arn:aws:iam::123456789012:role/SnapDeployAccess')}
      {field('external_id', 'ExternalId (optional)', 'shared secret')}
      {field('regions', 'Regions', 'us-east-1, eu-west-2')}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={form.protected} onChange={(e) => setForm({ ...form, protected: e.target.checked })} />
        Protected (deploys need the resource name typed to confirm)
      </label>
      <div className="md:col-span-3">
        <button type="submit" className={buttonCls} disabled={add.isPending || !canAdmin.allowed} title={canAdmin.why}>
          {add.isPending ? 'Adding…' : 'Add account'}
        </button>
        <ErrorBox error={add.error} />
      </div>
    </form>
  );
}
