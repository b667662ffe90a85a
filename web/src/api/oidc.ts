import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

/** Where the identity provider sends people back after they sign in. */
export const CALLBACK_PATH = '/app/signin-callback';

let manager: UserManager | undefined;

/**
 * The sign-in client for the server's issuer: the authorization-code flow with PKCE
 * (oidc-client-ts makes the verifier, the state and the nonce, and checks them on return).
 * Its state lives in sessionStorage, like the session itself.
 */
export function userManager(issuer: string, clientId: string): UserManager {
  if (!manager || manager.settings.authority !== issuer || manager.settings.client_id !== clientId) {
    manager = new UserManager({
      authority: issuer,
      client_id: clientId,
      redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
      response_type: 'code',
      scope: 'openid email profile',
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
      stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
      // The API is sent the ID token; nothing here needs the provider's userinfo.
      loadUserInfo: false,
      automaticSilentRenew: false,
    });
  }
  return manager;
}

/** Forgets the signed-in person's tokens from the provider (kept in sessionStorage). */
export function forgetOidcUser(): void {
  void manager?.removeUser();
}
