// Flows of every page as it loads: without JavaScript, through the OIDC
// provider, each route for each persona, the reviewer's risk view, an
// admin revoking access, and no page or console error anywhere.
import { BASE, MOTO, OUT, assert, browser, canon, hydrated, newPage, policyName, problems, rolePath, signIn, test } from '../harness.mjs';

export async function run() {
  await test('pages and forms work before wasm loads (JavaScript off)', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    await page.goto(`${BASE}/login`);
    await page.click('button[data-user="erin@example.com"]');
    await page.waitForURL(`${BASE}/`);
    await page.waitForSelector('text=eng-developer');
    await page.goto(`${BASE}${rolePath}`);
    await page.waitForSelector('#request-form');
    await page.fill('input[name="policy_name"]', `${policyName}-nojs`);
    await page.fill('textarea[name="policy"]', '{"Version": "2012-10-17"');
    await page.fill('textarea[name="justification"]', 'Plain form submission without wasm');
    await page.click('button:has-text("Submit request")');
    await page.waitForSelector('#request-form .error');
    const err = await page.textContent('#request-form .error');
    assert(err.includes('not valid JSON'), `error shown without JS: ${err}`);
    await page.screenshot({ path: `${OUT}09-nojs-invalid.png`, fullPage: true });
    await page.fill('input[name="policy_name"]', `${policyName}-nojs`);
    await page.fill('textarea[name="policy"]', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}');
    await page.fill('textarea[name="justification"]', 'Plain form submission without wasm');
    await page.click('button:has-text("Submit request")');
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    await page.waitForSelector('[data-status="pending"]');
    await context.close();
  });

  // OIDC_ISSUER is set when scripts/test.sh runs end2end/oidc/provider.mjs and
  // points the server at it: sign in on the provider's own login page.
  if (process.env.OIDC_ISSUER) await test('signs in through the OIDC provider login and consent pages', async () => {
    // Not newPage(): the provider's dev pages load web fonts this sandbox cannot reach.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/login?next=/me`);
    await hydrated(page);
    const button = page.locator('[data-testid="oidc-sign-in"]');
    assert((await button.textContent()).includes('Sign in with'), 'OIDC button shown');
    await button.click();
    await page.waitForURL((u) => u.href.startsWith(process.env.OIDC_ISSUER));
    await page.fill('input[name="login"]', 'ada@example.com');
    await page.fill('input[name="password"]', 'any password');
    await page.screenshot({ path: `${OUT}15-oidc-provider-login.png`, fullPage: true });
    await page.click('button[type="submit"]');
    // Consent page: "Continue".
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
    await page.click('button[type="submit"]');
    await page.waitForURL(`${BASE}/me`);
    await hydrated(page);
    await page.waitForSelector('[data-testid="me-groups"]');
    assert((await page.textContent('[data-testid="me-id"]')).includes('ada@example.com'), 'signed in as Ada');
    assert((await page.textContent('[data-testid="me-groups"]')).includes('admins'), 'groups from the ID token');
    assert((await page.textContent('[data-testid="current-user"]')).includes('Ada Admin'), 'header shows Ada');
    await page.screenshot({ path: `${OUT}16-oidc-me.png`, fullPage: true });
    await context.close();
  });

  await test('every route loads directly for every persona, without a 5xx or an empty page', async () => {
    const routes = [
      '/', '/login', rolePath, '/requests', '/request', '/request?principal=arn:aws:iam::111111111111:role/eng-developer',
      '/request/advanced?target=arn:aws:iam::111111111111:role/eng-developer', '/resources', '/resources?kind=s3_bucket&q=logs',
      '/resources?region=eu-west-1', '/resources?region=not-a-region',
      '/resource?arn=arn:aws:s3:::staging-logs', '/resource?arn=arn:aws:iam::111111111111:user/ci-bot',
      '/resource?arn=arn:aws:iam::111111111111:group/deployers', '/admin/sync', '/admin/audit', '/admin/protection', '/admin/applications', '/admin/access', '/settings', '/me',
      '/requests/00000000-0000-0000-0000-000000000000', '/challenge_validator/not-a-challenge', '/no-such-page',
    ];
    const bad = [];
    // Anonymous, a plain engineer (Sam), an engineer who approves the sandbox (Erin), an admin (Ada).
    for (const who of [null, 'sam@example.com', 'erin@example.com', 'ada@example.com']) {
      const { context, page } = await newPage();
      if (who) await signIn(page, who);
      // A real request too, as each persona sees it (or may not).
      if (who) {
        const list = await page.evaluate(async () => (await fetch('/api/list_requests', { method: 'POST' })).json());
        if (Array.isArray(list) && list[0]) routes.push(`/requests/${list[0].id}`);
      }
      for (const route of routes) {
        const resp = await page.goto(`${BASE}${route}`);
        await hydrated(page);
        const status = resp ? resp.status() : 0;
        const text = (await page.textContent('body')) || '';
        if (status >= 500 || status === 0) bad.push(`${who || 'anonymous'} ${route}: HTTP ${status}`);
        else if (text.trim().length < 20) bad.push(`${who || 'anonymous'} ${route}: empty page`);
        else if (!who && !['/login', '/no-such-page'].includes(route) && !page.url().includes('/login')) bad.push(`anonymous ${route}: not sent to sign-in (${page.url()})`);
      }
      if (who && who !== 'ada@example.com') {
        // Not an admin: the audit log is refused, not rendered.
        await page.goto(`${BASE}/admin/audit`);
        await hydrated(page);
        if (await page.isVisible('table.audit')) bad.push(`${who} /admin/audit: audit events shown to a non-admin`);
      }
      if (who === 'ada@example.com') {
        await page.goto(`${BASE}/admin/audit`);
        await hydrated(page);
        if (!(await page.isVisible('table.audit'))) bad.push('ada /admin/audit: no audit events for the admin');
        await page.goto(`${BASE}/admin/sync`);
        await hydrated(page);
        await page.screenshot({ path: `${OUT}20-admin-sync-direct.png`, fullPage: true });
        // A user's page shows what their group grants.
        await page.goto(`${BASE}/resource?arn=arn:aws:iam::111111111111:user/ci-bot`);
        await hydrated(page);
        const through = (await page.textContent('.group-policies')) || '';
        if (!through.includes('deployers') || !through.includes('deploy-read')) bad.push(`ada ci-bot: group policies not shown (${through})`);
        await page.screenshot({ path: `${OUT}22-user-groups.png`, fullPage: true });
      }
      await context.close();
    }
    assert(bad.length === 0, bad.join('\n'));
  });

  await test('a page\'s code arrives when the page is first opened, not with the first page', async () => {
    const { context, page } = await newPage();
    const wasm = [];
    page.on('request', (r) => { if (/\/pkg\/.*\.wasm$/.test(new URL(r.url()).pathname)) wasm.push(new URL(r.url()).pathname); });
    await signIn(page, 'ada@example.com');
    const chunk = (p) => !/\/pkg\/web[.][^/]*wasm$/.test(p);
    assert(wasm.length > 0 && wasm.every((p) => !chunk(p)), `sign-in and the roles home load the main module only: ${wasm.join(', ')}`);
    // Client-side navigation to a lazy page fetches its chunks, then shows it.
    await page.click('header nav a[href="/requests"]');
    await page.waitForURL(`${BASE}/requests`);
    await page.waitForSelector('h1:has-text("Requests")');
    const chunks = wasm.filter(chunk);
    assert(chunks.length > 0, 'opening Requests fetched its chunks');
    // A lazy page loaded directly: the server names its chunks for preloading.
    const resp = await page.goto(`${BASE}/admin/sync`);
    const html = await resp.text();
    const tag = html.match(/<link[^>]*href="\/pkg\/split___sync_route[^"]*\.wasm"[^>]*>/);
    assert(tag && tag[0].includes('rel="preload"'), 'the Sync page preloads its chunk');
    await hydrated(page);
    await page.waitForSelector('h1');
    await context.close();
  });

  await test('the reviewer sees a change\'s risk before approving it', async () => {
    const eng = await newPage();
    await signIn(eng.page, 'erin@example.com');
    const role = 'arn:aws:iam::111111111111:role/eng-developer';
    const id = await eng.page.evaluate(async (role) => {
      const r = await fetch('/api/submit_request', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ principal_arn: role, justification: 'Let the data team use this role too',
          changes: [{ target_arn: role, spec: { kind: 'tags_put', tags: [{ key: 'latchkey-authorized', value: 'data' }] } }] }),
      });
      return r.json();
    }, role);
    assert(typeof id === 'string', `request made: ${JSON.stringify(id)}`);
    await eng.context.close();
    const adm = await newPage();
    await signIn(adm.page, 'ada@example.com');
    await adm.page.goto(`${BASE}/requests/${id}`);
    await hydrated(adm.page);
    const box = adm.page.locator('[data-testid="change-findings"]');
    await box.waitFor();
    assert((await box.getAttribute('data-high-risk')) === 'true', 'flagged high risk');
    assert((await box.textContent()).includes('decides who may use the role'), 'says why');
    await adm.page.screenshot({ path: `${OUT}21-review-risk.png`, fullPage: true });
    await adm.context.close();
  });

  await test('an admin revokes a leaver\'s sessions and tokens from the audit page', async () => {
    const leaver = await newPage();
    await signIn(leaver.page, 'sam@example.com');
    await leaver.page.goto(`${BASE}/settings`);
    await hydrated(leaver.page);
    await leaver.page.fill('#token-form input[name="name"]', 'e2e-leaver');
    await leaver.page.click('#token-form button');
    await leaver.page.waitForSelector('[data-testid="new-token"]');
    const token = (await leaver.page.textContent('[data-testid="new-token"]')).trim();
    const roles = () => fetch(`${BASE}/api/v1/get_roles`, { headers: { Authorization: `Bearer ${token}` } });
    assert((await roles()).status === 200, 'the token works before');

    const adm = await newPage();
    await signIn(adm.page, 'ada@example.com');
    await adm.page.goto(`${BASE}/admin/audit`);
    await hydrated(adm.page);
    await adm.page.click('details.offboard summary');
    await adm.page.fill('[data-testid="revoke-access"] input[name="user_id"]', 'sam@example.com');
    await adm.page.click('[data-testid="revoke-access"] button');
    const said = await adm.page.textContent('[data-testid="revoked"]');
    assert(/[1-9]\d* session\(s\) ended, 1 token\(s\) revoked/.test(said), `result shown: ${said}`);
    await adm.page.waitForSelector('tr[data-action="access.revoke"]');
    await adm.page.screenshot({ path: `${OUT}19-revoke-access.png`, fullPage: true });
    assert((await roles()).status === 401, 'the token is refused after');
    await leaver.page.goto(`${BASE}/settings`);
    assert(leaver.page.url().startsWith(`${BASE}/login`), `the leaver is signed out: ${leaver.page.url()}`);
    await leaver.context.close();
    await adm.context.close();
  });

  await test('no page or console errors', async () => {
    const relevant = problems.filter((p) => !p.includes('favicon'));
    assert(relevant.length === 0, relevant.join('\n'));
  });
}
