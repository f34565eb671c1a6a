// Shared set-up for the end-to-end tests: start the real DreamLayer binary
// (the -tags dev build serves the UI and its bindings to a browser on
// 127.0.0.1:34115) in a private home folder, and drive Debian's Chromium with
// playwright-core. Runs under Xvfb (see .ci/test-suites).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const devBinary = path.join(repoRoot, 'build/bin/dreamlayer-dev');
export const prodBinary = path.join(repoRoot, 'build/bin/dreamlayer');
export const devAddress = '127.0.0.1:34115';
export const appURL = `http://${devAddress}/`;

export function makeHome() {
  return mkdtempSync(path.join(tmpdir(), 'dreamlayer-e2e-'));
}

export function removeHome(home) {
  rmSync(home, { recursive: true, force: true });
}

function portOpen(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// startApp launches the dev binary with DREAMLAYER_HOME=home and resolves once
// its dev server accepts connections. extraEnv is applied last, so a test can
// point a provider at a loopback stand-in and give it a fake key.
export async function startApp(home, extraEnv = {}) {
  const [host, port] = devAddress.split(':');
  if (await portOpen(host, Number(port))) throw new Error(`${devAddress} is already in use`);
  const logs = [];
  const child = spawn(devBinary, [], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DREAMLAYER_HOME: home,
      devserver: devAddress,
      assetdir: path.join(repoRoot, 'frontend/dist'),
      loglevel: 'Warning',
      // Keys must never come from the machine running the tests.
      OPENAI_API_KEY: '',
      IDEOGRAM_API_KEY: '',
      BFL_API_KEY: '',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => logs.push(String(d)));
  child.stderr.on('data', (d) => logs.push(String(d)));
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`app exited early (${JSON.stringify(exited)}):\n${logs.join('')}`);
      return portOpen(host, Number(port));
    }, 60_000, 'the app dev server');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    logs,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
      await waitFor(async () => !(await portOpen(host, Number(port))), 10_000, 'the port to close');
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// openPage opens the app in a fresh page and waits for the shell to render.
export async function openPage(browser) {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(appURL);
  await page.getByTestId('nav-models').waitFor({ timeout: 20_000 });
  page.pageErrors = errors;
  return page;
}

// tinySafetensors builds a small but well-formed .safetensors file whose
// tensor names and shapes are those of an SD 1.x UNet's cross-attention
// (context width 768), so the catalog classifies it as family sd1.
export function tinySafetensors() {
  const rows = 320;
  const cols = 768;
  const bytes = rows * cols * 2; // F16
  const header = {
    __metadata__: { format: 'pt', source: 'dreamlayer-e2e' },
    'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight': {
      dtype: 'F16',
      shape: [rows, cols],
      data_offsets: [0, bytes],
    },
  };
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 2) data.writeUInt16LE(0x3c00, i); // 1.0 in F16
  return Buffer.concat([head, Buffer.from(json, 'utf8'), data]);
}

export function writeFile(file, buf) {
  writeFileSync(file, buf);
}
