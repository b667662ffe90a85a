import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { userManager } from '../../../api/oidc';
import { setToken } from '../../../api/session';

/**
 * The page the identity provider returns to: exchanges the code (with the PKCE verifier) for
 * tokens, keeps the ID token as the session's bearer token, and goes on to the app.
 */
export default function OidcCallback({ issuer, clientId }: { issuer: string; clientId: string }) {
  const [error, setError] = useState<string>();
  const navigate = useNavigate();
  const queries = useQueryClient();
  // React's development mode runs effects twice; a code can be exchanged once.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    userManager(issuer, clientId)
      .signinRedirectCallback()
      .then((user) => {
        if (!user.id_token) throw new Error('the identity provider returned no ID token');
        queries.clear();
        setToken(user.id_token);
        navigate('/app/accounts', { replace: true });
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [issuer, clientId, navigate, queries]);
  return (
    <div className="mx-auto mt-10 max-w-lg">
      <h1 className="mb-4 text-2xl font-bold">Signing in…</h1>
      {error && (
        <p role="alert" className="rounded border border-red-300 bg-red-50 p-2 text-sm text-red-900">
          Sign-in failed: {error}. <a className="text-blue-700 underline" href="/app/">Try again</a>
        </p>
      )}
    </div>
  );
}
