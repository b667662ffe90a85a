// End-to-end: the main journey in a real browser (Debian's Chromium driven by playwright-core)
// against `snapdeploy demo` serving the built app. Asserts what is on screen at each step,
// saves screenshots to e2e/artifacts, and fails on any browser console error and on any WCAG 2
// A/AA violation axe-core finds on the screens it audits.
//
//   npm run build && npm run e2e      (SNAPDEPLOY_BIN: the snapdeploy binary to run)

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { check, freePort, waitFor } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const [apiPort, sandboxPort, devPort] = [await freePort(), await freePort(), await freePort()];
const data = mkdtempSync(join(tmpdir(), 'snapdeploy-e2e-'));
const bin = process.env.SNAPDEPLOY_BIN ?? resolve(web, '../target/debug/snapdeploy');
const demo = spawn(bin, ['demo'], {
  env: {
    ...process.env,
    SNAPDEPLOY_ADDR: `127.0.0.1:${apiPort}`,
    SNAPDEPLOY_SANDBOX_ADDR: `127.0.0.1:${sandboxPort}`,
    SNAPDEPLOY_DEMO_DATA_DIR: data,
    SNAPDEPLOY_WEB_DIR: join(web, 'dist'),
    RUST_LOG: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://127.0.0.1:${apiPort}`;

let browser;
let failed = false;
const consoleErrors = [];
let shot = 0;

try {
  await waitFor(`${base}/healthz`, 'snapdeploy demo', demo);
  // The demo's users and their tokens, as the banner prints them and tokens.json keeps them.
  const tokens = JSON.parse(readFileSync(join(data, 'tokens.json'), 'utf8'));
  check(['admin', 'approver', 'operator', 'viewer'].every((u) => tokens[u]?.startsWith('sdt_')), 'the demo made a token per role');
  check((statSync(join(data, 'tokens.json')).mode & 0o777) === 0o600, "tokens.json is its owner's alone");
  const api = async (path, token = tokens.admin) => (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  check((await fetch(`${base}/accounts`)).status === 401, 'the API refuses a request without a token');

  console.log('dev server');
  // `npm run dev` as a developer runs it (its config, the API proxied to the backend), on a
  // free port rather than 3000, which another program on the machine may hold.
  process.env.SNAPDEPLOY_API = base;
  const { createServer: createVite, loadConfigFromFile } = await import('vite');
  const own = await loadConfigFromFile({ command: 'serve', mode: 'development' }, join(web, 'vite.config.ts'));
  check(own.config.server.port === 3000, "the dev server's own port is 3000");
  const dev = await createVite({ root: web, configFile: join(web, 'vite.config.ts'), server: { host: '127.0.0.1', port: devPort, strictPort: true }, logLevel: 'error' });
  await dev.listen();
  try {
    const health = await (await fetch(`http://127.0.0.1:${devPort}/healthz`)).json();
    check(health.mode === 'demo', 'the dev server proxies the API');
    const html = await (await fetch(`http://127.0.0.1:${devPort}/app/deploy`)).text();
    check(html.includes('<div id="root">'), 'the dev server serves the app for /app/ pages');
  } finally {
    await dev.close();
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const snap = async (name) => page.screenshot({ path: join(artifacts, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  const text = (t) => page.getByText(t, { exact: false }).first();
  // Accessibility: axe-core's WCAG 2 A and AA rules on the screen as it is now.
  // Evaluated through the DevTools protocol rather than added as a <script>: the server's
  // Content-Security-Policy refuses inline scripts, as it should.
  const axeCode = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const audit = async (screen) => {
    await page.evaluate(axeCode);
    // eslint-disable-next-line no-undef -- runs in the page
    const result = await page.evaluate(() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    const found = result.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    check(found.length === 0, `no accessibility violations on ${screen}${found.length ? `: ${found.join(' | ')}` : ''}`);
  };

  // Sign in as a demo user: sign out first when someone is signed in.
  const signInAs = async (user) => {
    const who = page.getByTestId('who');
    if (await who.isVisible()) {
      await who.getByRole('button', { name: 'Sign out' }).click();
    }
    await page.getByRole('heading', { name: 'Sign in to SnapDeploy' }).waitFor();
    await page.getByRole('button', { name: user, exact: true }).click();
    await page.getByTestId('who').getByText(user, { exact: true }).waitFor();
  };
  // Approve the newest pending change request as `user`, and wait for it to have run.
  const approveAs = async (user, what) => {
    await signInAs(user);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    const card = page.locator('section').filter({ hasText: what }).first();
    await card.waitFor();
    await card.getByRole('button', { name: 'Approve and run' }).click();
    // Once the change has run, the request leaves the pending list for the executed one.
    await card.waitFor({ state: 'detached', timeout: 240_000 });
    await page.locator('#changes-state').selectOption('executed');
    await page.locator('section').filter({ hasText: what }).first().waitFor();
    check(true, `${user} approved: ${what}`);
  };

  console.log('sign in');
  const first = await page.goto(`${base}/`);
  const csp = (await first.allHeaders())['content-security-policy'] ?? '';
  check(/script-src 'self'(;|$)/.test(csp) && csp.includes("frame-ancestors 'none'"), `the app is served with a strict Content-Security-Policy (${csp})`);
  await text('Demo mode').waitFor();
  await page.getByRole('heading', { name: 'Sign in to SnapDeploy' }).waitFor();
  await snap('sign-in');
  await audit('the sign-in page');
  await signInAs('viewer');
  await page.getByRole('link', { name: 'Deploy' }).click();
  const viewerPlan = page.getByRole('button', { name: 'Show the plan' });
  check(await viewerPlan.isDisabled(), 'a viewer cannot plan a deploy');
  check((await viewerPlan.getAttribute('title')) === 'needs the operator role; you are viewer', 'the reason shows on hover');
  check((await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).count()) === 0, 'a viewer is not offered the tokens page');
  await page.getByRole('link', { name: 'Accounts' }).click();
  await signInAs('admin');

  console.log('accounts');
  check(await text('not in AWS').isVisible(), 'the sandbox is labelled as such');
  await page.getByTestId('account-111111111111').waitFor();
  check(await page.getByTestId('account-222222222222').getByText('protected').isVisible(), 'prod is marked protected');
  await page.locator('#new-account_id').fill('3333');
  await page.locator('#new-name').click();
  check(await text('must be exactly 12 digits').isVisible(), 'inline validation while typing');
  await page.locator('#new-account_id').fill('333333333333');
  await page.locator('#new-name').fill('contact-centre-test');
  await page.locator('#new-role_arn').fill('arn:aws:iam::333333333333:role/SnapDeployAccess');
  await page.locator('#new-external_id').fill('e2e-external-id');
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByTestId('account-333333333333').waitFor();
  check(true, 'account 333333333333 added');
  // The API's own refusal is shown: the same account again.
  await page.locator('#new-account_id').fill('333333333333');
  await page.locator('#new-name').fill('again');
  await page.locator('#new-role_arn').fill('arn:aws:iam::333333333333:role/SnapDeployAccess');
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByRole('alert').filter({ hasText: '333333333333' }).waitFor();
  check(true, "the API's error message is shown");
  await snap('accounts');
  await audit('the accounts page');
  await page.getByRole('button', { name: 'Remove contact-centre-test' }).click();
  await page.getByRole('button', { name: 'Confirm removal' }).click();
  await page.getByTestId('account-333333333333').waitFor({ state: 'detached' });
  check(true, 'removal after confirmation');

  console.log('api tokens');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
  await page.getByTestId('token-operator').waitFor();
  await page.locator('#token-name').fill('ci-pipeline');
  await page.locator('#token-role').selectOption('viewer');
  await page.locator('#token-accounts').fill('111111111111');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = await page.getByTestId('token-value').textContent();
  check(shown.startsWith('sdt_'), 'the new token is shown once');
  const ci = await api('/me', shown);
  check(ci.subject === 'ci-pipeline' && ci.role === 'viewer' && ci.accounts.join() === '111111111111', 'the token works as its name, role and account');
  await page.getByTestId('token-ci-pipeline').waitFor();
  await snap('tokens');
  await audit('the tokens page');
  await page.getByRole('button', { name: 'Done' }).click();
  check((await page.getByTestId('token-value').count()) === 0, 'the token is not shown again');
  await page.getByRole('button', { name: 'Revoke ci-pipeline' }).click();
  await page.getByRole('button', { name: 'Confirm revoke' }).click();
  await page.getByTestId('token-ci-pipeline').waitFor({ state: 'detached' });
  check((await fetch(`${base}/me`, { headers: { Authorization: `Bearer ${shown}` } })).status === 401, 'a revoked token is refused at once');
  await page.getByRole('link', { name: 'Accounts' }).click();

  console.log('explore');
  // By keyboard: Tab to the Explore link, Enter.
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    // eslint-disable-next-line no-undef -- runs in the page
    if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Explore') break;
  }
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/app\/explore/);
  check(true, 'the navigation works by keyboard');
  await page.locator('#account-account').selectOption('111111111111');
  await page.getByRole('button', { name: 'cc-customer-lookup' }).click();
  await page.getByLabel('Function cc-customer-lookup').getByText('python3.12').waitFor();
  check(true, 'Lambda table and function detail');
  await page.getByRole('button', { name: /Runtime/ }).click();
  check((await page.getByRole('columnheader', { name: /Runtime/ }).getAttribute('aria-sort')) === 'ascending', 'Lambda table sorts');
  await snap('explore-lambda');
  await page.getByRole('tab', { name: 'Lex V2' }).click();
  await page.getByRole('button', { name: /OrdersBot/ }).click();
  await page.getByRole('navigation', { name: 'Locales' }).getByRole('button', { name: 'en_US' }).click();
  await page.getByRole('navigation', { name: 'Intents' }).getByRole('button', { name: 'OrderPizza' }).click();
  await text('PizzaType').waitFor();
  check(true, 'Lex bot → locale → intent → slots');
  await snap('explore-lex');
  await audit('the Lex explorer');
  await page.getByRole('tab', { name: 'Connect' }).click();
  await page.getByRole('button', { name: /acme-dev/ }).click();
  await page.getByRole('button', { name: /^Main Menu/ }).click();
  await page.getByTestId('flow-graph').waitFor();
  check((await page.getByTestId('flow-graph').getByRole('button').count()) >= 8, 'the Main Menu flow is drawn as a graph of blocks');
  await page.getByRole('tab', { name: /Queues/ }).click();
  await text('Billing').waitFor();
  check(true, 'Connect instance tabs');
  await snap('explore-connect');
  await audit('the Connect explorer with a flow graph');

  console.log('snapshots');
  const snapshotOf = async (account, service, resource, note) => {
    await page.getByRole('link', { name: 'Snapshots' }).click();
    // Other pages have an #account-account too: wait for this page, with nothing chosen yet.
    await page.waitForURL((u) => u.pathname === '/app/snapshots' && !u.searchParams.has('account'));
    await page.getByRole('heading', { name: 'Snapshots', level: 1 }).waitFor();
    await page.locator('#account-account').selectOption(account);
    await page.locator('#snap-service').selectOption(service);
    await page.locator('#snap-resource').selectOption(resource);
    await page.locator('#snap-note').fill(note);
    const rows = await page.getByTestId('snapshot-row').count();
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await text('Snapshot taken').waitFor();
    // eslint-disable-next-line no-undef -- runs in the page
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=snapshot-row]').length > n, rows);
  };
  await snapshotOf('111111111111', 'lambda', 'cc-customer-lookup', 'release candidate');
  await snapshotOf('222222222222', 'lambda', 'cc-customer-lookup', 'prod before release');
  check(await text('prod before release').isVisible(), 'snapshot listed with why');
  await snap('snapshots');
  await audit('the snapshots page');

  // Prod's function as AWS holds it, read through the API (not the page), and the fields a
  // deploy or rollback changes.
  const prodLookup = async () => {
    const got = await api('/extract/lambda/cc-customer-lookup?account_id=222222222222&region=us-east-1');
    const c = got.config ?? got;
    return JSON.stringify({ env: c.Environment, timeout: c.Timeout, memory: c.MemorySize, handler: c.Handler, runtime: c.Runtime, role: c.Role });
  };
  const prodBefore = await prodLookup();
  check(JSON.parse(prodBefore).env.Variables.STAGE === 'prod', 'prod starts with STAGE=prod');

  console.log('deploy');
  await page.getByRole('link', { name: 'Deploy' }).click();
  await page.locator('#source-account-account').selectOption('111111111111');
  await page.locator('#src-resource').selectOption('cc-customer-lookup');
  await page.locator('#src-snapshot').selectOption({ index: 1 });
  await page.locator('#target-account-account').selectOption('222222222222');
  await page.locator('#opt-alias').fill('live');
  await page.getByRole('button', { name: 'Show the plan' }).click();
  await page.getByTestId('plan').waitFor();
  check(await page.getByTestId('plan').getByText('update', { exact: true }).first().isVisible(), 'the plan: an update');
  check(await text('Remapped references').isVisible(), 'remapped references listed');
  await snap('deploy-plan');
  await audit('the deploy plan');
  const deploy = page.getByRole('button', { name: 'Deploy', exact: true });
  check(await deploy.isDisabled(), 'a protected target needs the name typed');
  await page.locator('#confirm-name').fill('cc-customer-lookup');
  await deploy.click();
  await page.getByTestId('change-requested').waitFor();
  check((await prodLookup()) === prodBefore, 'a change to protected prod waits: prod is unchanged');
  await snap('deploy-requested');
  await approveAs('approver', 'deploy lambda cc-customer-lookup in account 222222222222');
  const executed = page.locator('section').filter({ hasText: 'deploy lambda cc-customer-lookup' }).first();
  check((await executed.getByTestId('decided-by').textContent()).startsWith('approver'), 'the request shows who approved it');
  check(/Requested by\s*admin at/.test(await executed.textContent()), 'and who requested it');
  await snap('approvals-executed');
  await audit('the approvals page');
  const prodDeployed = JSON.parse(await prodLookup());
  check(prodDeployed.env.Variables.STAGE === 'dev' && prodDeployed.env.Variables.TABLE === 'customers-dev', "prod now has dev's configuration (no rules yet), read through the API");
  await snap('deploy-report');
  await audit('the deploy report');

  console.log('deploy plan of a Connect instance');
  await snapshotOf('111111111111', 'connect', 'acme-dev', 'contact centre release');
  await page.getByRole('link', { name: 'Deploy' }).click();
  await page.locator('#source-account-account').selectOption('111111111111');
  await page.locator('#src-service').selectOption('connect');
  await page.locator('#src-resource').selectOption('acme-dev');
  await page.locator('#src-snapshot').selectOption({ index: 1 });
  await page.locator('#target-account-account').selectOption('222222222222');
  await page.locator('#dst-resource').fill('acme-prod');
  await page.getByRole('button', { name: 'Show the plan' }).click();
  await page.getByTestId('plan-counts').waitFor();
  check((await page.getByTestId('plan-counts').textContent()).includes('30 create'), 'the plan lists every item to create');
  check(await page.getByTestId('unmapped').getByText('bot OrdersBot has no alias live').first().isVisible(), 'unmappable references are highlighted');
  await snap('deploy-connect-plan');
  await audit('the Connect plan with unmappable references');
  // With its dependencies, the same promotion is one release with nothing left unmapped.
  await page.getByLabel(/Promote with dependencies/).check();
  await page.getByRole('button', { name: 'Show the plan' }).click();
  await page.getByTestId('release').waitFor();
  check((await page.getByTestId('release-member').count()) === 5, 'the release has the instance, its 3 functions and its bot');
  check(await text('5 members, applied in this order; nothing unmapped').isVisible(), 'nothing unmapped with its dependencies');
  await snap('deploy-connect-release-plan');
  await audit('the release plan');

  console.log('diff');
  await snapshotOf('222222222222', 'lambda', 'cc-customer-lookup', 'prod after release');
  await page.getByLabel(/diff to/).first().check();
  await page.getByLabel(/diff from/).last().check();
  await page.getByRole('button', { name: 'Compare the two' }).click();
  await page.getByTestId('diff-table').waitFor();
  check(await page.getByTestId('diff-table').getByText('/Environment/Variables/STAGE').isVisible(), 'the diff shows the changed fields');
  await snap('diff');
  await audit('the diff view');

  console.log('rollback');
  await page.getByRole('link', { name: 'Roll back' }).click();
  // The Snapshots page has an #account-account too: wait for the rollback page itself.
  await page.getByRole('heading', { name: 'Roll back', level: 1 }).waitFor();
  await page.locator('#account-account').selectOption('222222222222');
  await page.locator('#rb-resource').selectOption('cc-customer-lookup');
  const before = await page.locator('#rb-snapshot option').filter({ hasText: 'prod before release' }).getAttribute('value');
  await page.locator('#rb-snapshot').selectOption(before);
  await page.getByRole('button', { name: 'Show the plan' }).click();
  await page.getByTestId('plan').waitFor();
  await page.locator('#confirm-name').fill('cc-customer-lookup');
  await page.getByRole('button', { name: 'Roll back', exact: true }).click();
  await page.getByTestId('change-requested').waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
  const ownRequest = page.locator('section').filter({ hasText: 'rollback lambda cc-customer-lookup' }).first();
  check(await ownRequest.getByRole('button', { name: 'Approve and run' }).isDisabled(), 'nobody approves their own request');
  await approveAs('admin', 'rollback lambda cc-customer-lookup in account 222222222222');
  check((await prodLookup()) === prodBefore, 'prod is back to what it was before the deploy, read through the API');
  await snap('rollback-report');
  await audit('the rollback report');

  console.log('audit trail');
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByTestId('audit-table').waitFor();
  const auditRows = await page.getByTestId('audit-row').allTextContents();
  check(auditRows.some((r) => /rollback.*222222222222.*lambda cc-customer-lookup.*succeeded/.test(r)), 'the rollback is recorded');
  check(auditRows.some((r) => /change-approved.*222222222222/.test(r)), 'the approvals are recorded');
  check(auditRows.some((r) => /deploy.*222222222222.*lambda cc-customer-lookup.*succeeded/.test(r)), 'the deploy is recorded');
  check(auditRows.some((r) => /account-removed.*333333333333/.test(r)), 'the account removal is recorded');
  await page.locator('#audit-account').selectOption('111111111111');
  // eslint-disable-next-line no-undef -- runs in the page
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=audit-row]')].every((r) => r.textContent.includes('111111111111')));
  check(true, 'the trail narrows to one account');
  await snap('audit');
  await audit('the audit trail');

  console.log('promotion rules');
  await page.getByRole('link', { name: 'Promotion rules' }).click();
  await page.getByRole('heading', { name: 'Promotion rules', level: 1 }).waitFor();
  await page.locator('#rules-source').selectOption('111111111111');
  await page.locator('#rules-target').selectOption('222222222222');
  await text('This pair has no rules yet.').waitFor();
  await page.getByRole('button', { name: 'Add substitution' }).click();
  await page.getByLabel('Substitution 1: from').fill('customers-dev');
  await page.getByLabel('Substitution 1: to').fill('customers-prod');
  await page.getByLabel('Substitution 1: match').selectOption('whole');
  await page.getByRole('button', { name: 'Add kept path' }).click();
  await page.getByLabel('Kept path 1', { exact: true }).fill('lambda:/Environment/Variables/STAGE');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved by' }).waitFor();
  await page.getByTestId('rules-111111111111-222222222222').waitFor();
  check(true, 'the dev → prod rules are saved and listed');
  await snap('promotion-rules');
  await audit('the promotion rules page');
  await page.getByRole('link', { name: 'Deploy' }).click();
  await page.getByRole('heading', { name: 'Deploy', level: 1 }).waitFor();
  await page.locator('#source-account-account').selectOption('111111111111');
  await page.locator('#src-resource').selectOption('cc-customer-lookup');
  await page.locator('#src-snapshot').selectOption({ index: 1 });
  await page.locator('#target-account-account').selectOption('222222222222');
  await page.getByRole('button', { name: 'Show the plan' }).click();
  const applied = page.getByTestId('rules-applied');
  await applied.waitFor();
  check((await applied.textContent()).includes('/Environment/Variables/TABLE: customers-dev → customers-prod'), 'the plan shows the substitution');
  check((await applied.textContent()).includes('/Environment/Variables/STAGE: kept prod, not dev'), 'the plan shows the kept value');
  await snap('deploy-plan-with-rules');

  console.log('a release: promote with dependencies, then roll it back as one');
  await page.getByRole('link', { name: 'Deploy' }).click();
  await page.getByRole('heading', { name: 'Deploy', level: 1 }).waitFor();
  await page.locator('#source-account-account').selectOption('111111111111');
  await page.locator('#src-service').selectOption('connect');
  await page.locator('#src-resource').selectOption('acme-dev');
  await page.locator('#src-snapshot').selectOption({ index: 1 });
  await page.locator('#target-account-account').selectOption('222222222222');
  await page.locator('#dst-resource').fill('acme-prod');
  await page.getByLabel(/Promote with dependencies/).check();
  await page.getByRole('button', { name: 'Show the plan' }).click();
  await page.getByTestId('release').waitFor();
  await page.locator('#confirm-name').fill('acme-prod');
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.getByTestId('change-requested').waitFor();
  await approveAs('approver', 'deploy release of');
  const releases = await api('/releases');
  check(releases[0].status === 'succeeded' && releases[0].members.every((m) => m.status === 'succeeded'), 'every member of the release succeeded');
  // Prod's own function reads prod's table (the rules), checked through the API.
  const lookup = await api('/extract/lambda/cc-customer-lookup?account_id=222222222222&region=us-east-1');
  const vars = (lookup.config ?? lookup).Environment.Variables;
  check(vars.TABLE === 'customers-prod' && vars.STAGE === 'prod', 'prod reads customers-prod and keeps STAGE=prod');
  await snap('release-approved');
  await page.getByRole('link', { name: 'Roll back' }).click();
  await page.getByRole('heading', { name: 'Roll back', level: 1 }).waitFor();
  await page.locator('#release-id').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Show the release rollback' }).click();
  await page.getByTestId('release').waitFor();
  await page.locator('#confirm-name').fill('acme-prod');
  await page.getByRole('button', { name: 'Roll back the release' }).click();
  await page.getByTestId('change-requested').waitFor();
  await approveAs('admin', 'rollback release of');
  check((await api('/releases'))[0].status === 'rolled_back', 'the release is rolled back');
  const fns = await api('/extract/lambda?account_id=222222222222&region=us-east-1');
  check(fns.resources.length === 1, 'the functions the release created are gone from prod');
  await snap('release-rolled-back');

  // The one refusal the journey provokes on purpose (the duplicate account) is logged by the
  // browser as a failed request; anything else is an error.
  const expected = consoleErrors.findIndex((m) => m.includes('status of 409'));
  if (expected >= 0) consoleErrors.splice(expected, 1);
  // A request still in flight when someone signs out is answered 401 (and sends them to
  // sign-in, as it should); the browser logs that as a failed request.
  for (let i = consoleErrors.length - 1; i >= 0; i--) if (consoleErrors[i].includes('status of 401')) consoleErrors.splice(i, 1);
  check(consoleErrors.length === 0, `no browser console errors (${consoleErrors.join(' | ')})`);
  console.log(`e2e journey passed; screenshots in ${artifacts}`);
} catch (e) {
  failed = true;
  console.error(`e2e journey FAILED: ${e.stack ?? e}`);
  if (consoleErrors.length) console.error(`browser console errors: ${consoleErrors.join(' | ')}`);
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
