// Stock Weep's sign-in as a person meets it: Weep (played here by its exact
// requests) asks for a challenge, the browser opens the challenge page,
// Erin sees who asks and approves, Weep's poll collects its token and lists
// Erin's roles with it.
import { BASE, OUT, assert, hydrated, newPage, signIn, test } from '../harness.mjs';

const weepHeaders = { 'user-agent': 'weep/0.3.26 Go-http-client/1.1', 'content-type': 'application/json' };

export async function run() {
  await test('stock Weep signs in through the challenge page and lists roles', async () => {
    const c = await (await fetch(`${BASE}/noauth/v1/challenge_generator/erin`, { headers: { 'user-agent': 'Go-http-client/1.1' } })).json();
    const poll = async () => (await fetch(c.polling_url, { headers: { 'user-agent': 'Go-http-client/1.1' } })).json();
    assert((await poll()).status === 'pending', 'pending before approval');

    const { context, page } = await newPage();
    await signIn(page, 'erin@example.com');
    await page.goto(c.challenge_url);
    const card = await page.textContent('[data-testid="weep-authorize"]');
    assert(card.includes('Erin') && card.includes('Go-http-client/1.1'), `who asks is shown: ${card}`);
    await page.screenshot({ path: `${OUT}29-weep-challenge.png`, fullPage: true });
    await page.click('[data-testid="approve-weep"]');
    await page.waitForSelector('[data-testid="weep-approved"]');
    await context.close();

    const got = await poll();
    assert(got.status === 'success' && got.cookie_name === 'latchkey_weep' && Number.isInteger(got.expiration), `collected: ${JSON.stringify(got)}`);
    const roles = await (await fetch(`${BASE}/api/v2/get_roles?all=true`, {
      headers: { ...weepHeaders, cookie: `${got.cookie_name}=${got.encoded_jwt}` },
    })).json();
    const names = roles.data.roles.map((r) => r.role_name);
    assert(names.includes('eng-developer'), `Weep lists Erin's roles: ${names}`);
  });
}
