// End-to-end: the real Go backend (dev build) driven through Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser, makeHome, openPage, removeHome, startApp, tinySafetensors, writeFile } from './harness.mjs';

describe('DreamLayer in a browser against the real backend', () => {
  let home;
  let app;
  let browser;

  before(async () => {
    home = makeHome();
    app = await startApp(home);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    if (home) removeHome(home);
  });

  test('every page opens from the navigation', async () => {
    const page = await openPage(browser);
    for (const name of ['generate', 'workflows', 'gallery', 'pnginfo', 'models', 'stats', 'settings']) {
      await page.getByTestId(`nav-${name}`).click();
      await page.getByTestId(`page-${name}`).waitFor({ timeout: 10_000 });
    }
    await page.getByTestId('nav-gallery').click();
    await page.getByTestId('gallery-empty').waitFor({ timeout: 10_000 });
    // A fresh history: the Stats page answers from the real database with nothing yet.
    await page.getByTestId('nav-stats').click();
    await page.getByTestId('stats-empty').waitFor({ timeout: 10_000 });
    // The built-in workflow templates are installed and open as a form.
    await page.getByTestId('nav-workflows').click();
    await page.getByTestId('template-txt2img/txt2img').click({ timeout: 10_000 });
    await page.getByTestId('field-6.text').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('run-remote').isDisabled(), true, 'no ComfyUI servers are configured');
    assert.deepEqual(page.pageErrors, []);
    await page.close();
  });

  test('a model file copied into a watched folder is listed within 2 s, and goes when deleted', async () => {
    const page = await openPage(browser);
    await page.getByTestId('nav-models').click();
    await page.getByTestId('page-models').waitFor();

    const checkpoints = path.join(home, 'models', 'checkpoints');
    mkdirSync(checkpoints, { recursive: true });
    const source = path.join(home, 'tiny-sd15.safetensors');
    writeFile(source, tinySafetensors());
    const target = path.join(checkpoints, 'tiny-sd15.safetensors');

    copyFileSync(source, target);
    const copied = Date.now();
    const row = page.locator('[data-testid="model-row"][data-model-name="tiny-sd15.safetensors"]');
    await row.waitFor({ timeout: 2_000 });
    const seenAfter = Date.now() - copied;
    assert.ok(seenAfter <= 2_000, `listed ${seenAfter} ms after the copy finished`);
    assert.match(await row.innerText(), /sd\s*1|SD\s*1/i);

    rmSync(target);
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    await page.close();
  });

  test('a changed setting survives a restart of the app', async () => {
    let page = await openPage(browser);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('page-settings').waitFor();
    const steps = page.getByTestId('setting-steps');
    await steps.fill('37');
    await page.getByTestId('settings-save').click();

    const file = path.join(home, 'settings.json');
    await waitUntil(() => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).generation?.steps === 37, 5_000, 'settings.json to hold steps 37');
    await page.close();

    await app.stop();
    app = await startApp(home);
    page = await openPage(browser);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('page-settings').waitFor();
    await waitUntil(async () => (await page.getByTestId('setting-steps').inputValue()) === '37', 10_000, 'steps to read 37 after restart');
    await page.close();
  });
});

async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
