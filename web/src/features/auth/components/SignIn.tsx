import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { setToken } from '../../../api/session';
import { Section, buttonCls, inputCls, secondaryCls } from '../../../components/common';
import { useDemoUsers } from '../../../api/auth';

/** Token sign-in; in demo mode, one click per demo user. */
export default function SignIn({ demo, expired }: { demo: boolean; expired: boolean }) {
  const [token, setValue] = useState('');
  const queries = useQueryClient();
  const users = useDemoUsers(demo);
  const signIn = (t: string) => {
    queries.clear();
    setToken(t.trim());
  };
  return (
    <div className="mx-auto mt-10 max-w-lg">
      <h1 className="mb-4 text-2xl font-bold">Sign in to SnapDeploy</h1>
      {expired && (
        <p role="alert" className="mb-3 rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900">
          Your session ended (the token expired or was revoked). Sign in again.
        </p>
      )}
      {users.data && (
        <Section title="Demo: sign in as">
          <div className="flex flex-wrap gap-2">
            {Object.entries(users.data).map(([name, t]) => (
              <button key={name} className={secondaryCls} onClick={() => signIn(t)}>
                {name}
              </button>
            ))}
          </div>
          <p className="mt-2 text-xs text-slate-500">Prod is protected: an operator's change there waits for an approver.</p>
        </Section>
      )}
      <Section title="API token">
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim()) signIn(token);
          }}
        >
          <label className="flex flex-col text-sm" htmlFor="token">
            Token (from your admin, or `snapdeploy tokens create`)
            <input id="token" type="password" autoComplete="off" className={inputCls} value={token} onChange={(e) => setValue(e.target.value)} />
          </label>
          <button type="submit" className={buttonCls} disabled={!token.trim()}>
            Sign in
          </button>
        </form>
      </Section>
    </div>
  );
}
