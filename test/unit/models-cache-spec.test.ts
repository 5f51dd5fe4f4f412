import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { join } from 'node:path';
import { chooseGgufFiles, parseModelName, repoFolderName, repoIdFromFolder, tryParseModelName } from '../../src/services/models-cache/model-spec.js';
import { hubCacheDir, modelsCacheSettingsFromEnv } from '../../src/services/models-cache/settings.js';
import { humanSize } from '../../src/services/models-cache/service.js';
import { assessSpace, type DiskInfo } from '../../src/services/models-cache/disk-space.js';
import { looksLikePath } from '../../src/services/models-cache/resolve.js';
import { isLfError } from '../../src/core/errors.js';

describe('model names', () => {
  test('the three forms', () => {
    assert.deepEqual(parseModelName('unsloth/Qwen3-0.6B-GGUF:Q4_K_M'), { repoId: 'unsloth/Qwen3-0.6B-GGUF', quant: 'Q4_K_M' });
    assert.deepEqual(parseModelName('org/repo/sub/model.Q8_0.gguf'), { repoId: 'org/repo', file: 'sub/model.Q8_0.gguf' });
    assert.deepEqual(parseModelName('cross-encoder/ms-marco-MiniLM-L-6-v2'), { repoId: 'cross-encoder/ms-marco-MiniLM-L-6-v2' });
    assert.deepEqual(parseModelName('gpt2'), { repoId: 'gpt2' });
  });

  test('unsafe or malformed names are refused with a 400 naming the forms', () => {
    for (const bad of ['../etc/passwd', 'org/..', 'org/a--b', 'org/repo/../x.gguf', 'org/repo:', '-org/repo', 'org//repo', 'a/b/c\\d', '']) {
      assert.equal(tryParseModelName(bad), undefined, bad);
    }
    try {
      parseModelName('org/..');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(isLfError(e));
      assert.equal(e.status, 400);
      assert.match(e.message, /org\/repo:QUANT/);
    }
  });

  test('cache folder names round-trip', () => {
    assert.equal(repoFolderName('org/name'), 'models--org--name');
    assert.equal(repoIdFromFolder('models--org--name'), 'org/name');
    assert.equal(repoIdFromFolder('datasets--org--name'), undefined);
    assert.equal(repoIdFromFolder('models--gpt2'), 'gpt2');
  });

  test('paths are told apart from hub ids', () => {
    assert.ok(looksLikePath('/abs/model.gguf'));
    assert.ok(looksLikePath('./model.gguf'));
    assert.ok(looksLikePath('~/models/x.gguf'));
    assert.ok(!looksLikePath('org/repo/model.gguf'));
  });
});

describe('GGUF file choice', () => {
  const files = ['README.md', 'model.Q4_K_M.gguf', 'model.Q4_K_S.gguf', 'model.Q8_0.gguf', 'model.F16.gguf', 'model.BF16.gguf', 'mmproj-model-f16.gguf'];

  test('the requested quantisation, case-insensitive, as a token first', () => {
    assert.deepEqual(chooseGgufFiles(files, 'q8_0'), { files: ['model.Q8_0.gguf'], matched: true });
    assert.deepEqual(chooseGgufFiles(files, 'F16').files, ['model.F16.gguf'], 'F16 is not BF16');
    assert.deepEqual(chooseGgufFiles(files, 'Q4_K').files, ['model.Q4_K_M.gguf'], 'falls back to a substring match');
  });

  test('no quantisation or an unknown one: the preferred one; projectors never', () => {
    assert.deepEqual(chooseGgufFiles(files), { files: ['model.Q4_K_M.gguf'], matched: false });
    assert.deepEqual(chooseGgufFiles(files, 'IQ1_S'), { files: ['model.Q4_K_M.gguf'], matched: false });
    assert.deepEqual(chooseGgufFiles(['b.gguf', 'a.gguf', 'mmproj.gguf']).files, ['a.gguf']);
    assert.deepEqual(chooseGgufFiles(['config.json']).files, []);
  });

  test('a split model brings all its shards, first shard first', () => {
    const split = ['m-Q4_K_M-00002-of-00003.gguf', 'm-Q4_K_M-00001-of-00003.gguf', 'm-Q4_K_M-00003-of-00003.gguf', 'm-Q8_0.gguf'];
    assert.deepEqual(chooseGgufFiles(split, 'Q4_K_M').files, ['m-Q4_K_M-00001-of-00003.gguf', 'm-Q4_K_M-00002-of-00003.gguf', 'm-Q4_K_M-00003-of-00003.gguf']);
    assert.deepEqual(chooseGgufFiles(split, 'Q8_0').files, ['m-Q8_0.gguf']);
  });
});

describe('settings from the environment', () => {
  test('cache dir: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub', () => {
    assert.equal(hubCacheDir({ HF_HUB_CACHE: '/x/cache', HF_HOME: '/y' }), '/x/cache');
    assert.equal(hubCacheDir({ HF_HOME: '/y' }), '/y/hub');
    assert.equal(hubCacheDir({}), join(os.homedir(), '.cache', 'huggingface', 'hub'));
    assert.equal(hubCacheDir({ HF_HOME: '~/hf' }), join(os.homedir(), 'hf', 'hub'));
  });

  test('endpoint, token, auto-download and offline flags', () => {
    const s = modelsCacheSettingsFromEnv({ HF_ENDPOINT: 'http://mirror.local/', HF_TOKEN: 'hf_x', LF_AUTO_DOWNLOAD: '0' });
    assert.equal(s.endpoint, 'http://mirror.local');
    assert.equal(s.token, 'hf_x');
    assert.equal(s.autoDownload, false);
    assert.equal(s.offline, false);
    const d = modelsCacheSettingsFromEnv({ HF_HUB_OFFLINE: '1' });
    assert.equal(d.endpoint, 'https://huggingface.co');
    assert.equal(d.token, undefined);
    assert.equal(d.autoDownload, true);
    assert.equal(d.offline, true);
    assert.ok(d.requestTimeoutMs > 0 && d.stallTimeoutMs > 0);
  });
});

describe('sizes and disk space', () => {
  test('human sizes in the reference style', () => {
    assert.equal(humanSize(90_000_000), '90MB');
    assert.equal(humanSize(1_185_344), '1.2MB');
    assert.equal(humanSize(512), '512B');
    assert.equal(humanSize(3_750_496_000), '3.8GB');
  });

  const disk = (total: number, free: number): DiskInfo => ({ total_bytes: total, used_bytes: total - free, free_bytes: free, path: '/', percent_free: (free / total) * 100 });
  const GB = 1024 ** 3;

  test('fits, warns below 10% left, refuses when it cannot fit', async () => {
    const probe = async () => disk(100 * GB, 50 * GB);
    const ok = await assessSpace(1 * GB, '/cache', probe);
    assert.equal(ok.can_download, true);
    assert.equal(ok.warning, false);
    assert.equal(ok.available_bytes, 50 * GB);
    assert.equal(ok.required_bytes, 1 * GB);
    const low = await assessSpace(45 * GB, '/cache', probe);
    assert.equal(low.can_download, true);
    assert.equal(low.warning, true);
    assert.match(low.message, /10% threshold/);
    const no = await assessSpace(60 * GB, '/cache', probe);
    assert.equal(no.can_download, false);
    assert.match(no.message, /Insufficient disk space/);
  });

  test('the smaller of the cache disk and the system disk counts', async () => {
    const r = await assessSpace(2 * GB, '/cache', async (p) => (p === '/cache' ? disk(100 * GB, 50 * GB) : disk(100 * GB, 1 * GB)));
    assert.equal(r.available_bytes, 1 * GB);
    assert.equal(r.can_download, false);
    assert.equal(r.cache_info.free_bytes, 50 * GB);
    assert.equal(r.system_info.free_bytes, 1 * GB);
  });
});
