// End-to-end: making images through the UI with the real engine worker and a
// tiny SD 1.x checkpoint written by the app's own `dev tiny-model` command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { devBinary, launchBrowser, makeHome, openPage, removeHome, startApp } from './harness.mjs';

const JOB_TIMEOUT = 180_000;

// newestPNG finds the most recently written .png under dir.
function newestPNG(dir) {
  let best = null;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.png')) {
        const t = statSync(p).mtimeMs;
        if (!best || t > best.t) best = { p, t };
      }
    }
  };
  walk(dir);
  return best?.p ?? null;
}

async function fillNumber(page, testId, value) {
  const box = page.getByTestId(testId);
  await box.fill(String(value));
  await box.blur();
}

// setUp chooses the tiny checkpoint and a fast size on the current tab.
async function setUp(page, { steps, size = 64, seed }) {
  await fillNumber(page, 'width-input', size);
  await fillNumber(page, 'height-input', size);
  await fillNumber(page, 'steps-input', steps);
  if (seed !== undefined) await fillNumber(page, 'seed-input', seed);
}

// watchProgress records, inside the page, every progress text shown and
// whether a live preview image appeared, so fast jobs are not missed.
async function watchProgress(page) {
  await page.evaluate(() => {
    const seen = { texts: [], previews: 0 };
    window.__seen = seen;
    const look = () => {
      const t = document.querySelector('[data-testid="progress-text"]')?.textContent;
      if (t && seen.texts.at(-1) !== t) seen.texts.push(t);
      const img = document.querySelector('img[data-testid="live-preview"]');
      if (img?.getAttribute('src')?.startsWith('data:image/')) seen.previews++;
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

async function waitJob(page, state) {
  await page.locator(`[data-testid="output-pane"][data-job-state="${state}"]`).waitFor({ timeout: JOB_TIMEOUT });
}

describe('Generate against the real engine', () => {
  let home;
  let app;
  let browser;
  let page;
  let png;

  before(async () => {
    home = makeHome();
    const checkpoints = path.join(home, 'models', 'checkpoints');
    mkdirSync(checkpoints, { recursive: true });
    execFileSync(devBinary, ['dev', 'tiny-model', '--family', 'sd1', '--out', path.join(checkpoints, 'tiny.safetensors')], {
      env: { ...process.env, DREAMLAYER_HOME: home },
      stdio: 'pipe',
    });
    app = await startApp(home);
    browser = await launchBrowser();
    page = await openPage(browser);
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    if (home) removeHome(home);
  });

  test('Txt2Img: progress and a live preview, then the result, which lands in the gallery', async () => {
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('page-generate').waitFor();
    await page.getByTestId('tab-txt2img').click();
    await page.getByTestId('model-picker').click();
    await page.locator('[role="option"][data-model-name="tiny.safetensors"]').click({ timeout: 20_000 });
    await page.getByTestId('model-picker').filter({ hasText: 'tiny' }).waitFor();
    await setUp(page, { steps: 3, seed: 1234 });
    await page.getByTestId('prompt').fill('a tiny test image');

    await watchProgress(page);
    await page.getByTestId('generate-button').click();
    await waitJob(page, 'done');
    const img = page.getByTestId('result-image');
    await img.waitFor({ timeout: 20_000 });
    assert.match(await img.getAttribute('src'), /\/media\/outputs\//);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 64), 'the result image loaded at 64 px');

    const seen = await page.evaluate(() => window.__seen);
    assert.ok(seen.texts.some((t) => /^Step [1-3]\/3/.test(t)), `progress texts: ${JSON.stringify(seen.texts)}`);
    assert.ok(seen.previews > 0, 'a live preview image was shown');

    await page.getByTestId('nav-gallery').click();
    await page.getByTestId('gallery-item').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('gallery-item').count(), 1);
    png = newestPNG(home);
    assert.ok(png, 'the output PNG exists under the home folder');
    assert.deepEqual(page.pageErrors, []);
  });

  test('PNG Info restores the seed and steps into Txt2Img', async () => {
    assert.ok(png, 'needs the image from the Txt2Img test');
    await page.getByTestId('nav-generate').click();
    await fillNumber(page, 'seed-input', -1);
    await fillNumber(page, 'steps-input', 20);

    await page.getByTestId('nav-pnginfo').click();
    await page.getByTestId('page-pnginfo').waitFor();
    await page.getByTestId('pnginfo-file-input').setInputFiles(png);
    await page.getByTestId('pnginfo-source').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('pnginfo-params').innerText(), /1234/);
    await page.getByTestId('pnginfo-send').click();
    await page.getByTestId('page-generate').waitFor();
    assert.equal(await page.getByTestId('tab-txt2img').getAttribute('data-state'), 'active');
    assert.equal(await page.getByTestId('seed-input').inputValue(), '1234');
    assert.equal(await page.getByTestId('steps-input').inputValue(), '3');
    assert.equal(await page.getByTestId('prompt').inputValue(), 'a tiny test image');
  });

  test('Img2Img: a dropped file becomes the input and generates', async () => {
    assert.ok(png, 'needs the image from the Txt2Img test');
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('tab-img2img').click();
    const zone = page.getByTestId('init-dropzone');
    await zone.waitFor();
    // A drop as the OS file manager makes it: a DataTransfer holding a real file.
    const bytes = readFileSync(png).toString('base64');
    await zone.evaluate((el, b64) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], 'dropped.png', { type: 'image/png' }));
      el.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
      el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, bytes);
    await page.locator('img[data-testid="init-preview"]').waitFor({ timeout: 10_000 });
    await setUp(page, { steps: 3 });
    await page.getByTestId('prompt').fill('a tiny variation');
    await page.getByTestId('generate-button').click();
    await waitJob(page, 'done');
    await page.getByTestId('result-image').waitFor({ timeout: 20_000 });
  });

  test('Interrupt cancels a running generation', async () => {
    await page.getByTestId('tab-txt2img').click();
    await setUp(page, { steps: 40, size: 256 });
    await page.getByTestId('generate-button').click();
    await page.getByTestId('progress-text').filter({ hasText: /^Step \d+\/40/ }).waitFor({ timeout: JOB_TIMEOUT });
    await page.getByTestId('interrupt-button').click();
    await waitJob(page, 'cancelled');
    await page.getByTestId('job-ended').filter({ hasText: 'Interrupted' }).waitFor();

    await page.getByTestId('queue-toggle').click();
    const panel = page.getByTestId('queue-panel');
    await panel.waitFor();
    assert.ok((await panel.locator('[data-testid="queue-job"][data-state="cancelled"]').count()) >= 1);
    assert.ok((await panel.locator('[data-testid="queue-job"][data-state="done"]').count()) >= 2);
    await page.getByTestId('queue-clear').click();
    await page.getByTestId('queue-empty').waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
  });
});
