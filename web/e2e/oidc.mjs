// End-to-end sign-in through an independent OpenID Connect provider (npm oauth2-mock-server:
// discovery, JWKS, RS256-signed tokens, and a token endpoint that checks the PKCE verifier
// against the challenge): `snapdeploy demo` with SNAPDEPLOY_AUTH=oidc, Debian's Chromium signing in
// with the authorization-code flow and PKCE (oidc-client-ts in the app), an operator's deploy
// into protected prod waiting as a change request, and another person, signed in through the
// provider too, approving it. Prod is judged through the API.
//
//   npm run build && npm run e2e:oidc      (SNAPDEPLOY_BIN: the snapdeploy binary to run)

import { spawn } from 'node:child_process';
import { OAuth2Server } from 'oauth2-mock-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { check, freePort, waitFor } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const artifacts = join(here, 'artifacts');

const [apiPort, sandboxPort] = [await freePort(), await freePort()];
// The provider. It has no login page: its authorize endpoint answers at once with a code for
// whoever the test says is at the keyboard, and the tokens for that code carry that person.
const people = { olga: ['cc-operators'], april: ['cc-approvers'] };
let atKeyboard;
const codeHolder = new Map();
const idp = new OAuth2Server();
await idp.issuer.keys.generate('RS256');
const clientId = 'snapdeploy-web';
let pkceChecked = 0;
idp.service.on('beforeAuthorizeRedirect', ({ url }) => codeHolder.set(url.searchParams.get('code'), atKeyboard));
idp.service.on('beforeTokenSigning', (token, req) => {
  const sub = codeHolder.get(req.body.code);
  if (req.body.code_verifier) pkceChecked += 1;
  Object.assign(token.payload, { sub, email: `${sub}@example.com`, groups: people[sub], aud: clientId });
});
await idp.start(0, '127.0.0.1');
// The provider names itself by `localhost`; the same address, by the one it listens on.
idp.issuer.url = idp.issuer.url.replace('localhost', '127.0.0.1');
const issuer = idp.issuer.url;
const data = mkdtempSync(join(tmpdir(), 'snapdeploy-oidc-'));
const bin = process.env.SNAPDEPLOY_BIN ?? resolve(web, '../target/debug/snapdeploy');
let demo;
const startDemo = () => spawn(bin, ['demo'], {
  env: {
    ...process.env,
    SNAPDEPLOY_ADDR: `127.0.0.1:${apiPort}`,
    SNAPDEPLOY_SANDBOX_ADDR: `127.0.0.1:${sandboxPort}`,
    SNAPDEPLOY_DEMO_DATA_DIR: data,
    SNAPDEPLOY_WEB_DIR: join(web, 'dist'),
    SNAPDEPLOY_AUTH: 'oidc',
    SNAPDEPLOY_OIDC_ISSUER: issuer,
    SNAPDEPLOY_OIDC_CLIENT_ID: clientId,
    SNAPDEPLOY_OIDC_ROLE_MAP: 'cc-operators=operator,cc-approvers=approver',
    RUST_LOG: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${apiPort}`;

let browser;
let failed = false;
const consoleErrors = [];
try {
  demo = startDemo();
  await waitFor(`${base}/healthz`, 'snapdeploy demo', demo);
  const health = await (await fetch(`${base}/healthz`)).json();
  check(health.auth === 'oidc' && health.oidc.issuer === issuer, 'the server names its issuer');

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const who = page.getByTestId('who');

  const signInAs = async (sub) => {
    if (await who.isVisible()) await who.getByRole('button', { name: 'Sign out' }).click();
    atKeyboard = sub;
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${issuer}/authorize`));
    await page.getByRole('button', { name: 'Sign in with your identity provider' }).click();
    // The provider's own page.
    const url = new URL((await authorize).url());
    check(url.searchParams.get('code_challenge_method') === 'S256' && Boolean(url.searchParams.get('code_challenge')), `${sub}: the app asks for a code with a PKCE challenge`);
    const checked = pkceChecked;
    await page.waitForURL((u) => u.origin === base && u.pathname === '/app/signin-callback');
    await page.waitForURL((u) => u.origin === base && u.pathname === '/app/accounts');
    await who.getByText(`${sub}@example.com`).waitFor();
    check(pkceChecked > checked, `${sub}: the code was exchanged with its PKCE verifier`);
    check(true, `${sub} is signed in through the provider`);
  };

  await page.goto(`${base}/app/`);
  await page.getByRole('heading', { name: 'Sign in to SnapDeploy' }).waitFor();
  await signInAs('olga');
  check((await who.textContent()).includes('operator'), 'olga is an operator (her group)');
  await page.screenshot({ path: join(artifacts, 'oidc-signed-in.png') });

  // The operator's token, for judging prod through the API as the page does.
  const bearer = await page.evaluate(() => sessionStorage.getItem('snapdeploy.token'));
  const api = async (path) => (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${bearer}` } })).json();
  const prodTimeout = async () => (await api('/extract/lambda/cc-customer-lookup?account_id=222222222222&region=us-east-1')).config?.Timeout;
  const before = await prodTimeout();

  console.log('an operator requests a deploy into prod');
  await page.getByRole('link', { name: 'Snapshots' }).click();
  await page.getByRole('heading', { name: 'Snapshots', level: 1 }).waitFor();
  await page.locator('#account-account').selectOption('111111111111');
  await page.locator('#snap-service').selectOption('lambda');
  await page.locator('#snap-resource').selectOption('cc-customer-lookup');
  await page.locator('#snap-note').fill('oidc release');
  await page.getByRole('button', { name: 'Take snapshot' }).click();
  await page.getByText('Snapshot taken').first().waitFor();
  await page.getByRole('link', { name: 'Deploy' }).click();
  await page.locator('#source-account-account').selectOption('111111111111');
  await page.locator('#src-resource').selectOption('cc-customer-lookup');
  await page.locator('#src-snapshot').selectOption({ index: 1 });
  await page.locator('#target-account-account').selectOption('222222222222');
  await page.getByRole('button', { name: 'Show the plan' }).click();
  await page.getByTestId('plan').waitFor();
  await page.locator('#confirm-name').fill('cc-customer-lookup');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.getByTestId('change-requested').waitFor();
  check((await prodTimeout()) === before, 'prod is unchanged while the request waits');

  console.log('another person approves it');
  await signInAs('april');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
  const card = page.locator('section').filter({ hasText: 'deploy lambda cc-customer-lookup' }).first();
  await card.waitFor();
  check(/Requested by\s*olga@example.com/.test(await card.textContent()), 'the request names olga');
  await card.getByRole('button', { name: 'Approve and run' }).click();
  await card.waitFor({ state: 'detached', timeout: 240_000 });
  await page.locator('#changes-state').selectOption('executed');
  const executed = page.locator('section').filter({ hasText: 'deploy lambda cc-customer-lookup' }).first();
  await executed.waitFor();
  check((await executed.getByTestId('decided-by').textContent()).startsWith('april@example.com'), 'april approved it');
  await page.screenshot({ path: join(artifacts, 'oidc-approved.png') });
  const audit = await api('/audit?limit=20');
  check(audit.some((e) => e.actor === 'olga@example.com' && e.approved_by === 'april@example.com'), 'the audit trail names both people');

  for (let i = consoleErrors.length - 1; i >= 0; i--) if (consoleErrors[i].includes('status of 401')) consoleErrors.splice(i, 1);
  check(consoleErrors.length === 0, `no browser console errors (${consoleErrors.join(' | ')})`);
  console.log('e2e OIDC sign-in passed');
} catch (e) {
  failed = true;
  console.error(`e2e OIDC sign-in FAILED: ${e.stack ?? e}`);
  if (consoleErrors.length) console.error(`browser console errors: ${consoleErrors.join(' | ')}`);
} finally {
  await browser?.close();
  demo?.kill('SIGTERM');
  await idp.stop();
  rmSync(data, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
