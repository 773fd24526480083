/**
 * The CLI's catalog commands against a local hub (SLIM_WHISPER_HF_ENDPOINT) serving a real,
 * loadable checkpoint under openai/whisper-tiny: download installs it, `model info tiny` loads
 * it, list shows it, remove deletes it; with no network, `transcribe --model tiny` says what to
 * download and where to put it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import type { ModelInfo } from '../../../app/models/info.ts';
import { runCli } from '../../helpers/cli.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { closedPort, COMMIT, startFakeHub, type FakeHub } from '../models/hf-server.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-cli-download-'));
const modelsDir = join(tmp, 'models');
let hub: FakeHub;
let env: Record<string, string>;
const ckpt = makeFixtureCheckpoint({ seed: 11 });

before(async () => {
  hub = await startFakeHub();
  const src = join(tmp, 'src');
  writeHfFolder(ckpt, src, 'f16');
  for (const name of readdirSync(src)) hub.put('openai/whisper-tiny', name, readFileSync(join(src, name)));
  env = {
    SLIM_WHISPER_MODELS_DIR: modelsDir,
    SLIM_WHISPER_HF_ENDPOINT: hub.endpoint,
    SLIM_WHISPER_CACHE_DIR: join(tmp, 'cache'),
  };
});
after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('model download tiny installs a model that model info loads; list shows it; remove deletes it', async () => {
  const dl = await runCli(['model', 'download', 'tiny', '--json'], env);
  assert.equal(dl.code, 0, dl.stderr);
  const lines = dl.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          phase?: string;
          path?: string;
          commit?: string;
          receivedBytes?: number;
          totalBytes?: number;
        },
    );
  const done = lines.find((l) => l.type === 'download' && l.phase === 'done')!;
  assert.ok(done.receivedBytes! > 0 && done.receivedBytes === done.totalBytes);
  const installed = lines[lines.length - 1]!;
  assert.equal(installed.type, 'installed');
  assert.equal(installed.path, join(modelsDir, 'tiny', 'model'));
  assert.equal(installed.commit, COMMIT);
  assert.deepEqual(readdirSync(modelsDir), ['tiny']);

  const info = await runCli(['model', 'info', 'tiny', '--json', '--no-calibration', '--no-cache'], env);
  assert.equal(info.code, 0, info.stderr);
  const parsed = JSON.parse(info.stdout) as ModelInfo;
  assert.equal(parsed.source, 'hf-safetensors');
  assert.deepEqual(parsed.dims, ckpt.dims);

  const list = await runCli(['model', 'list', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as {
    modelsDir: string;
    models: Array<{ name: string; installed: { path: string } | null }>;
  };
  assert.equal(rows.modelsDir, modelsDir);
  assert.equal(rows.models.find((m) => m.name === 'tiny')!.installed!.path, installed.path);
  assert.equal(rows.models.find((m) => m.name === 'small')!.installed, null);

  const rm = await runCli(['model', 'remove', 'tiny'], env);
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(readdirSync(modelsDir), []);
});

test('offline: transcribe --model tiny exits 3 naming the URLs and the models folder', async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const emptyDir = join(tmp, 'offline-models');
  const r = await runCli(['transcribe', sharedPath('audio', 'jfk.wav'), '--model', 'tiny'], {
    ...env,
    SLIM_WHISPER_MODELS_DIR: emptyDir,
    SLIM_WHISPER_HF_ENDPOINT: endpoint,
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /offline/);
  assert.match(r.stderr, /\[MODEL_OFFLINE\]/);
  assert.ok(r.stderr.includes(`${endpoint}/openai/whisper-tiny/resolve/main/model.safetensors`), r.stderr);
  assert.ok(r.stderr.includes(join(emptyDir, 'tiny')), r.stderr);
  assert.deepEqual(readdirSync(emptyDir), []);
});

test('an unknown name for model download is a model error that lists the catalog', async () => {
  const r = await runCli(['model', 'download', 'huge'], env);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /large-v3-turbo/);
});
