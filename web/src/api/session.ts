import { useSyncExternalStore } from 'react';

/**
 * The signed-in session: the bearer token every request carries. Kept in sessionStorage so a
 * closed tab signs out, and shared with every hook through a tiny external store.
 */
const KEY = 'snapdeploy.token';
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

let current = read();

export function getToken(): string | null {
  return current;
}

/** Whether the last session ended by itself (a 401: expired or revoked), not by signing out. */
let ended = false;

export function sessionEnded(): boolean {
  return ended;
}

/** The server refused the token: sign out, and say why on the sign-in page. */
export function endSession() {
  ended = true;
  setToken(null);
}

export function setToken(token: string | null) {
  if (token) ended = false;
  current = token;
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode); the session then lasts this page only.
  }
  listeners.forEach((l) => l());
}

export function useToken(): string | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getToken,
    getToken,
  );
}
