/**
 * No user can stall anyone else (issue 11), tried on the real server: user A
 * (mallory) deploys and tests the worst matchers and plugins there are, and
 * runs Run Matcher with a pathological pattern, one case at a time; during
 * each case user B (bertha) checks that the portal still serves her: her
 * Test Plugin answers within 2 s, her deploy and her stop within 1 s each,
 * `GET /login` within 200 ms (median of five, none over 1 s), and her control
 * plugin counts every one of her messages exactly once. A browser signs both in and drives A's Run Matcher
 * on the Deploy page; the rest goes through the same API the pages use.
 */
import { expect, test, type Page } from '@playwright/test';
import { signIn } from './support/sign-in';

test.describe.configure({ mode: 'serial' });

const LIMITS = { login: 200, loginStall: 1000, test: 2000, deploy: 1000, stop: 1000 };
const CONTROL_TYPE = 'hostile.control';
const CONTROL_BATCH = 25;

interface Definition {
  name: string;
  matcher: string;
  source: string;
  config: { ticker_interval: number; preserve_data: boolean; user: Record<string, string | number | boolean> };
}

const definition = (name: string, matcher: string, source: string, ticker = 60): Definition => ({
  name,
  matcher,
  source,
  config: { ticker_interval: ticker, preserve_data: false, user: {} },
});

async function timed<T>(what: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await what();
  return [r, performance.now() - t0];
}

async function testPlugin(page: Page, def: Definition) {
  const res = await page.request.post('/api/plugins/test', { data: def });
  expect(res.ok(), await res.text()).toBe(true);
  return res.json();
}

async function deploy(page: Page, def: Definition, proof: string) {
  const res = await page.request.post('/api/plugins', { data: { ...def, deployProof: proof } });
  expect(res.ok(), await res.text()).toBe(true);
}

async function testAndDeploy(page: Page, def: Definition) {
  const report = await testPlugin(page, def);
  expect(report.passed, JSON.stringify(report.termination)).toBe(true);
  await deploy(page, def, report.deployProof);
}

async function ingest(page: Page, token: string, messages: object[]) {
  const res = await page.request.post('/api/ingest', {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    data: messages.map((m) => JSON.stringify(m)).join('\n') + '\n',
  });
  expect(res.ok(), await res.text()).toBe(true);
  expect(await res.json()).toMatchObject({ accepted: messages.length, rejected: 0 });
}

async function tokenFor(page: Page, name: string): Promise<string> {
  const res = await page.request.post('/api/tokens', { data: { name } });
  expect(res.status()).toBe(201);
  return (await res.json()).token;
}

async function pluginState(page: Page, id: string): Promise<{ state: string; error: string | null }> {
  const res = await page.request.get('/api/plugins?scope=mine&limit=200');
  expect(res.ok()).toBe(true);
  const body = await res.json();
  const row = (body.plugins ?? body).find((p: { id: string }) => p.id === id);
  return { state: row?.state, error: row?.error ?? null };
}

test('one user cannot stall another: B keeps answering while A runs the worst matchers and plugins', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const aContext = await browser.newContext();
  const bContext = await browser.newContext();
  const a = await aContext.newPage();
  const b = await bContext.newPage();
  await signIn(a, 'mallory@example.com');
  await signIn(b, 'bertha@example.com');
  const aToken = await tokenFor(a, 'hostile sender');
  const bToken = await tokenFor(b, 'control sender');

  // B's control plugin counts her messages; her probe plugin is what she deploys and stops in each case.
  const control = definition(
    'control',
    `Type == '${CONTROL_TYPE}'`,
    'var n = 0;\nfunction process_message() { n++; return 0; }\nfunction timer_event() { inject_payload("txt", "count", String(n)); }\n',
    1,
  );
  await testAndDeploy(b, control);
  const probe = definition('probe', "Type == 'hostile.probe'", 'function process_message() { return 0; }\nfunction timer_event() {}\n');
  const probeReport = await testPlugin(b, probe);
  expect(probeReport.passed).toBe(true);
  await deploy(b, probe, probeReport.deployProof);
  let sent = 0;

  const figures: Record<string, Record<string, number[]>> = {};
  const note = (label: string, what: string, ms: number) => ((figures[label] ??= {})[what] ??= []).push(Math.round(ms));

  /**
   * GET /login five times: the median within the limit, and none near the
   * stalls the issue found (6.8 s behind one Run Matcher). The median, not
   * every request, carries the 200 ms limit: on two shared cores one request
   * in a few waits for the scheduler, with or without hostile work (the
   * baseline missed it once alone). A stalled event loop fails both. The
   * limits are soft: a case that misses one still runs the others, and the
   * test fails at the end with every miss listed beside the figures.
   */
  const checkLogin = async (label: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [res, ms] = await timed(() => request.get('/login'));
      note(label, 'login', ms);
      times.push(ms);
      expect(res.status(), label).toBe(200);
      expect.soft(ms, `${label}: GET /login took ${Math.round(ms)} ms`).toBeLessThan(LIMITS.loginStall);
    }
    const median = [...times].sort((x, y) => x - y)[2];
    expect.soft(median, `${label}: GET /login median ${Math.round(median)} ms`).toBeLessThan(LIMITS.login);
  };
  // The same checks with no hostile work going, as the baseline beside each case's figures
  // (after one unmeasured request: the first pays for opening the connection and warming the page).
  await request.get('/login');
  await checkLogin('baseline');

  /** B's checks, run while A's case is under way. */
  const checkB = async (label: string) => {
    await checkLogin(label);
    await ingest(b, bToken, Array.from({ length: CONTROL_BATCH }, (_, i) => ({ Type: CONTROL_TYPE, Logger: 'bertha.sender', Payload: `${label} ${i}` })));
    sent += CONTROL_BATCH;

    const [report, testMs] = await timed(() => testPlugin(b, probe));
    note(label, 'test', testMs);
    expect(report.passed, `${label}: ${JSON.stringify(report.termination)}`).toBe(true);
    expect.soft(testMs, `${label}: B's Test Plugin took ${Math.round(testMs)} ms`).toBeLessThan(LIMITS.test);

    const [, deployMs] = await timed(() => deploy(b, probe, report.deployProof));
    note(label, 'deploy', deployMs);
    expect.soft(deployMs, `${label}: B's deploy took ${Math.round(deployMs)} ms`).toBeLessThan(LIMITS.deploy);

    const [stopped, stopMs] = await timed(() => b.request.post('/api/plugins/bertha/probe/stop'));
    note(label, 'stop', stopMs);
    expect(stopped.ok(), await stopped.text()).toBe(true);
    expect.soft(stopMs, `${label}: B's stop took ${Math.round(stopMs)} ms`).toBeLessThan(LIMITS.stop);
    const restarted = await b.request.post('/api/plugins/bertha/probe/restart');
    expect(restarted.ok(), await restarted.text()).toBe(true);
  };

  /** Runs A's case in the background, B's checks meanwhile, then waits for A's case. */
  const during = async (label: string, hostile: () => Promise<void>) => {
    const aDone = hostile();
    await new Promise((r) => setTimeout(r, 300));
    await checkB(label);
    await aDone;
  };

  // 1. A catastrophic matcher in a deployed plugin, a long payload that feeds it, and A testing it.
  const boom = definition('boom', "Type == 'boom' && Payload =~ 'a*a*a*a*b'", 'function process_message() { return 0; }\nfunction timer_event() {}\n');
  await testAndDeploy(a, boom);
  await during('catastrophic matcher', async () => {
    await ingest(a, aToken, [{ Type: 'boom', Logger: 'mallory.sender', Payload: 'a'.repeat(30_000) }]);
    await testPlugin(a, boom);
  });
  // Contained either way: the bounded pattern engine evaluates it, or the watchdog terminated it naming the matcher.
  const boomState = await pluginState(a, 'mallory.boom');
  expect(boomState.state === 'running' || /message_matcher took longer/.test(boomState.error ?? ''), JSON.stringify(boomState)).toBe(true);

  // 2. A plugin spinning in process_message.
  const spin = definition('spin', "Type == 'spin'", 'function process_message() { while (true) {} }\nfunction timer_event() {}\n');
  await testAndDeploy(a, spin);
  await during('spinning plugin', async () => {
    await ingest(a, aToken, [1, 2, 3].map((i) => ({ Type: 'spin', Logger: 'mallory.sender', Payload: `spin ${i}` })));
    const tested = await testPlugin(a, spin);
    expect(tested.passed).toBe(false);
    expect(tested.termination.message).toMatch(/cpu_limit_ms|instruction_limit/);
  });
  await expect.poll(async () => (await pluginState(a, 'mallory.spin')).state, { timeout: 15_000 }).toBe('terminated');

  // 3. A plugin allocating without end.
  const hog = definition('hog', "Type == 'hog'", "var keep = [];\nfunction process_message() { for (;;) keep.push('x'.repeat(65536) + keep.length); }\nfunction timer_event() {}\n");
  await testAndDeploy(a, hog);
  await during('allocating plugin', async () => {
    await ingest(a, aToken, [{ Type: 'hog', Logger: 'mallory.sender', Payload: 'eat' }]);
    const tested = await testPlugin(a, hog);
    expect(tested.passed).toBe(false);
    expect(tested.termination.message).toMatch(/memory/);
  });
  await expect.poll(async () => (await pluginState(a, 'mallory.hog')).state, { timeout: 15_000 }).toBe('terminated');

  // 4. Run Matcher with a pathological pattern over the whole window, from the Deploy page and through the API at once.
  await ingest(
    a,
    aToken,
    Array.from({ length: 200 }, (_, i) => ({ Type: 'boom', Logger: 'mallory.sender', Fields: { clientId: `${'x'.repeat(2000)}${i}` } })),
  );
  const pathological = "Fields[clientId] =~ '.*.*.*.*@'";
  await during('Run Matcher', async () => {
    await a.goto('/deploy');
    await a.getByLabel('Message matcher').fill(pathological);
    await a.getByRole('button', { name: 'Run Matcher' }).click();
    const api = await Promise.all([1, 2].map(() => a.request.post('/api/matcher', { data: { matcher: pathological } })));
    for (const res of api) {
      // One scan per user at a time: a second while the first runs is refused, saying why.
      expect([200, 429], await res.text()).toContain(res.status());
      if (res.status() === 429) expect((await res.json()).error).toMatch(/^Run Matcher: mallory already has (1 running|0 running and 1 waiting), the most allowed/);
      else expect(await res.json()).toMatchObject({ ok: true, scanned: expect.any(Number), windowSize: expect.any(Number) });
    }
    // The page gets its answer: the whole window, or what was scanned with a notice saying how far it got.
    await expect(a.getByTestId('matcher-summary')).toContainText('recent messages matched', { timeout: 15_000 });
    const summary = await a.getByTestId('matcher-summary').innerText();
    if (/scanned .* of /.test(summary)) await expect(a.getByTestId('matcher-cut-short')).toContainText(/time limit: scanned \d[\d,]* of \d[\d,]* messages/);
  });

  console.log(`hostile-tenant figures (ms): ${JSON.stringify(figures)}`);
  // B's control plugin counted every one of her messages, exactly once.
  await expect
    .poll(
      async () => {
        const res = await b.request.get('/api/outputs/analysis.bertha.control.count.txt');
        return res.ok() ? Number((await res.json()).content) : -1;
      },
      { timeout: 20_000 },
    )
    .toBe(sent);
  expect((await pluginState(b, 'bertha.control')).state).toBe('running');

  await aContext.close();
  await bContext.close();
});
