import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { setToken } from '../../../api/session';
import { Section, buttonCls, inputCls, secondaryCls } from '../../../components/common';
import { useDemoUsers } from '../../../api/auth';
import { userManager } from '../../../api/oidc';

type Oidc = { issuer: string; client_id: string };

/** Sign-in through the identity provider when one is configured; an API token always; in demo mode, one click per demo user. */
export default function SignIn({ demo, expired, oidc }: { demo: boolean; expired: boolean; oidc?: Oidc | null }) {
  const [token, setValue] = useState('');
  const [redirectError, setRedirectError] = useState<string>();
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
      {oidc && (
        <Section title="Your organisation">
          <button
            className={buttonCls}
            onClick={() => {
              userManager(oidc.issuer, oidc.client_id)
                .signinRedirect()
                .catch((e: unknown) => setRedirectError(e instanceof Error ? e.message : String(e)));
            }}
          >
            Sign in with your identity provider
          </button>
          <p className="mt-2 text-xs text-slate-500">Through {oidc.issuer}</p>
          {redirectError && (
            <p role="alert" className="mt-2 text-sm text-red-800">
              The identity provider could not be reached: {redirectError}
            </p>
          )}
        </Section>
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
