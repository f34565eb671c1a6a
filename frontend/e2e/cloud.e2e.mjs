// End-to-end: a cloud model from the UI. A loopback stand-in plays OpenAI's
// images API; the app reaches it through DREAMLAYER_OPENAI_BASE_URL with a
// fake key, generates with dall-e-3 and files the PNG in the gallery.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { deflateSync } from 'node:zlib';
import { launchBrowser, makeHome, openPage, removeHome, startApp } from './harness.mjs';

const KEY = 'sk-test-e2e-0123456789';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// solidPNG encodes a w×h RGB image of one colour.
function solidPNG(w, h, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.alloc(1 + w * 3);
  for (let x = 0; x < w; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// startStandIn answers the two endpoints the app calls and records each request.
function startStandIn() {
  const requests = [];
  const png = solidPNG(16, 16, [40, 120, 200]).toString('base64');
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, auth: req.headers.authorization ?? '', body });
      const send = (code, obj) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (req.headers.authorization !== `Bearer ${KEY}`) return send(401, { error: { message: 'bad key', type: 'invalid_request_error' } });
      if (req.method === 'POST' && req.url === '/v1/images/generations') {
        return send(200, { created: 1, data: [{ b64_json: png, revised_prompt: 'a blue square, revised' }] });
      }
      if (req.method === 'GET' && req.url === '/v1/models') return send(200, { data: [] });
      send(404, { error: { message: `no route ${req.method} ${req.url}` } });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, requests, port: server.address().port }));
  });
}

describe('Cloud generation through an OpenAI stand-in', () => {
  let home;
  let app;
  let browser;
  let page;
  let standIn;

  before(async () => {
    standIn = await startStandIn();
    home = makeHome();
    app = await startApp(home, {
      DREAMLAYER_OPENAI_BASE_URL: `http://127.0.0.1:${standIn.port}/v1`,
      OPENAI_API_KEY: KEY,
    });
    browser = await launchBrowser();
    page = await openPage(browser);
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await new Promise((r) => (standIn ? standIn.server.close(r) : r()));
    if (home) removeHome(home);
  });

  test('dall-e-3 from the Generate page: a result image, then the gallery lists it', async () => {
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('page-generate').waitFor();
    await page.getByTestId('model-picker').click();
    await page.getByTestId('cloud-model-dall-e-3').click({ timeout: 20_000 });
    await page.getByTestId('cloud-params').waitFor();
    await page.getByTestId('model-picker').filter({ hasText: 'OpenAI' }).waitFor();
    assert.equal(await page.getByTestId('steps-input').count(), 0, 'no local-only controls for a cloud model');
    await page.getByTestId('prompt').fill('a blue square');
    await page.getByTestId('generate-button').click();
    await page.locator('[data-testid="output-pane"][data-job-state="done"]').waitFor({ timeout: 60_000 });
    const img = page.getByTestId('result-image');
    await img.waitFor({ timeout: 20_000 });
    assert.match(await img.getAttribute('src'), /\/media\/outputs\//);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 16), 'the stand-in PNG loaded');

    const gen = standIn.requests.find((r) => r.method === 'POST' && r.url === '/v1/images/generations');
    assert.ok(gen, 'the app called the images endpoint');
    const sent = JSON.parse(gen.body);
    assert.equal(sent.model, 'dall-e-3');
    assert.equal(sent.prompt, 'a blue square');

    await page.getByTestId('nav-gallery').click();
    await page.getByTestId('gallery-item').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('gallery-item').count(), 1);
    assert.deepEqual(page.pageErrors, []);
  });

  test('Settings → Test key says the OpenAI key is valid', async () => {
    await page.getByTestId('nav-settings').click();
    const button = page.getByTestId('test-key-openai');
    await button.waitFor({ timeout: 10_000 });
    await button.click();
    const result = page.getByTestId('key-test-result-openai');
    await result.waitFor({ timeout: 20_000 });
    assert.equal(await result.getAttribute('data-status'), 'valid', await result.innerText());
    assert.ok(standIn.requests.some((r) => r.method === 'GET' && r.url === '/v1/models'), 'the test called GET /v1/models');
  });
});
