import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useHealth } from './api/queries';
import { sessionEnded, setToken, useToken } from './api/session';
import Approvals from './features/change/components/ApprovalsPage';
import { useCan, useMe } from './api/auth';
import SignIn from './features/auth/components/SignIn';
import OidcCallback from './features/auth/components/OidcCallback';
import { CALLBACK_PATH, forgetOidcUser } from './api/oidc';
import { ErrorBoundary } from './components/ErrorBoundary';
import Accounts from './features/accounts/components/AccountsPage';
import Audit from './features/audit/components/AuditPage';
import Deploy from './features/change/components/DeployPage';
import Rollback from './features/change/components/RollbackPage';
import Rules from './features/rules/components/RulesPage';
import Explorer from './features/explorer/components/ExplorerPage';
import Snapshots from './features/snapshots/components/SnapshotsPage';
import Tokens from './features/tokens/components/TokensPage';

const nav = [
  ['/app/accounts', 'Accounts'],
  ['/app/explore', 'Explore'],
  ['/app/snapshots', 'Snapshots'],
  ['/app/deploy', 'Deploy'],
  ['/app/rollback', 'Roll back'],
  ['/app/rules', 'Promotion rules'],
  ['/app/approvals', 'Approvals'],
  ['/app/audit', 'Audit'],
  ['/app/tokens', 'Tokens'],
] as const;

/** Who is signed in, and signing out. */
function Who() {
  const me = useMe();
  const queries = useQueryClient();
  if (!me.data) return null;
  return (
    <div className="ml-auto flex items-center gap-2 text-sm" data-testid="who">
      <span>
        {me.data.subject} <span className="rounded bg-slate-100 px-1 text-xs font-semibold uppercase text-slate-700">{me.data.role}</span>
      </span>
      {me.data.via !== 'none' && (
        <button
          className="text-blue-700 underline"
          onClick={() => {
            queries.clear();
            // Signed in through the provider: forget its tokens here too. (The provider's own
            // session is its to end; the next sign-in may not ask for a password.)
            if (me.data.via === 'oidc') forgetOidcUser();
            setToken(null);
          }}
        >
          Sign out
        </button>
      )}
    </div>
  );
}

export default function App() {
  const health = useHealth();
  const token = useToken();
  const demo = health.data?.mode === 'demo';
  const admin = useCan('admin').allowed;
  // Read on each render: the token's store notifies when a 401 ends the session.
  const ended = sessionEnded();
  const { pathname } = useLocation();
  const auth = health.data?.auth;
  const oidc = health.data?.oidc ?? null;
  const signIn = (auth === 'tokens' || auth === 'oidc') && !token;
  // The identity provider's return, before anyone is signed in.
  const callback = oidc && pathname === CALLBACK_PATH;
  return (
    <div className="min-h-screen">
      {demo && (
        <div role="note" className="bg-amber-400 px-4 py-1 text-center text-sm font-semibold text-amber-950">
          Demo mode: every account here lives in the local sandbox, not in AWS.
        </div>
      )}
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-3">
          <span className="font-bold text-blue-700">CloudOps SnapDeploy</span>
          <nav aria-label="Main" className="flex gap-1">
            {/* Tokens are an admin's to manage: nobody else is shown the page. */}
            {nav.filter(([to]) => to !== '/app/tokens' || admin).map(([to, label]) => (
              <NavLink
                key={to}
                to={to}
                className={({ isActive }) =>
                  `rounded px-3 py-1 text-sm ${isActive ? 'bg-blue-100 font-semibold text-blue-800' : 'text-slate-700 hover:bg-slate-100'}`
                }
              >
                {label}
              </NavLink>
            ))}
          </nav>
          <Who />
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-6">
        <ErrorBoundary>
        {callback ? (
          <OidcCallback issuer={oidc.issuer} clientId={oidc.client_id} />
        ) : signIn ? (
          <SignIn demo={demo} expired={ended} oidc={oidc} />
        ) : (
        <Routes>
          <Route path="/" element={<Navigate to="/app/accounts" replace />} />
          <Route path="/app" element={<Navigate to="/app/accounts" replace />} />
          <Route path="/app/accounts" element={<Accounts />} />
          <Route path="/app/explore" element={<Explorer />} />
          <Route path="/app/snapshots" element={<Snapshots />} />
          <Route path="/app/deploy" element={<Deploy />} />
          <Route path="/app/rollback" element={<Rollback />} />
          <Route path="/app/rules" element={<Rules />} />
          <Route path="/app/audit" element={<Audit />} />
          <Route path="/app/approvals" element={<Approvals />} />
          <Route path="/app/tokens" element={<Tokens />} />
          <Route path="*" element={<p>No such page. Choose one above.</p>} />
        </Routes>
        )}
        </ErrorBoundary>
      </main>
    </div>
  );
}
