// Credential protection, as an admin meets it: the plan for each account
// (its NAT gateway, Elastic IPs and VPCs from EC2) is shown as a diff before
// anything is written; approving writes it to IAM (moto) and attaches it to
// the tagged role; an engineer cannot see the page.
import { BASE, OUT, assert, hydrated, newPage, signIn, test } from '../harness.mjs';

const staging = 'section.protection[data-account="111111111111"]';

export async function run() {
  await test('an admin reviews the credential-protection plan, approves it, and IAM holds it', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'ada@example.com');
    await page.goto(`${BASE}/admin/protection`);
    await hydrated(page);
    await page.click('button[data-run="protection"]');
    await page.waitForSelector(`${staging}[data-state="awaiting-approval"]`, { timeout: 30000 });
    const card = page.locator(staging);
    const text = await card.textContent();
    assert(/NAT gateways: *\d+\.\d+\.\d+\.\d+/.test(text), `the NAT gateway's address is shown: ${text}`);
    assert(text.includes('New policy (IAM has none yet)'), 'shown as a new policy');
    const diff = await card.locator(".policy-diff").textContent();
    assert(diff.includes('NotIpAddressIfExists') && diff.includes('192.0.2.0/24') && diff.includes('aws:ViaAWSService'), `the generated policy: ${diff}`);
    assert(Number(await card.locator('.policy-diff').getAttribute('data-changed-lines')) > 10, 'every line is new');
    await page.screenshot({ path: `${OUT}27-protection-plan.png`, fullPage: true });

    await card.locator('button[data-approve="111111111111"]').click();
    await page.waitForSelector(`${staging}[data-state="up-to-date"]`, { timeout: 30000 });
    const after = await page.locator(staging).textContent();
    assert(after.includes('First write approved by ada@example.com'), `approval shown: ${after}`);
    assert(after.includes('app-worker'), `attached to the tagged role: ${after}`);
    await page.screenshot({ path: `${OUT}28-protection-written.png`, fullPage: true });
    // Other accounts still wait for their own approval.
    assert(await page.isVisible('section.protection[data-account="222222222222"][data-state="awaiting-approval"]'), 'production still awaits approval');
    await context.close();

    const eng = await newPage();
    await signIn(eng.page, 'sam@example.com');
    await eng.page.goto(`${BASE}/admin/protection`);
    await hydrated(eng.page);
    const refused = (await eng.page.textContent('.error')) || '';
    assert(refused.includes('only administrators'), `an engineer is refused: ${refused}`);
    assert(!(await eng.page.isVisible('section.protection')), 'and sees no plan');
    await eng.context.close();
  });
}
