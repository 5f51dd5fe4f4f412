/** Issue #14 item 6: first-use model downloads are tracked (for task `meta` and `lf`) and logged as they go. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { describeDownload, downloadProgress } from '../../src/services/models-cache/download-progress.js';
import { modelPathResolver } from '../../src/services/models-cache/service.js';

describe('first-use download progress', () => {
  test('a resolution that downloads is visible while it runs, logged, and gone when it ends', async () => {
    const logs: string[] = [];
    const log = { info: (_o: Record<string, unknown>, msg?: string) => void logs.push(msg ?? '') };
    const seen: string[] = [];
    const MiB = 1024 * 1024;
    const service = {
      async resolveModelFile(name: string, o: { onProgress?: (e: any) => void } = {}) {
        o.onProgress?.({ event: 'start', desc: 'model.gguf', total: 200 * MiB, n: 0 });
        o.onProgress?.({ event: 'progress', desc: 'model.gguf', total: 200 * MiB, n: 90 * MiB, downloaded: 90 * MiB, percent: 45 });
        seen.push(...downloadProgress.snapshot().map(describeDownload));
        o.onProgress?.({ event: 'end', desc: 'model.gguf', total: 200 * MiB, n: 200 * MiB, downloaded: 200 * MiB, percent: 100 });
        o.onProgress?.({ event: 'done', local_dir: '/cache/x' });
        return `/cache/x/${name}.gguf`;
      },
    };
    const resolve = modelPathResolver(service as never, log);
    assert.equal(await resolve('org/embed-GGUF:Q8_0'), '/cache/x/org/embed-GGUF:Q8_0.gguf');
    assert.deepEqual(seen, ['downloading org/embed-GGUF:Q8_0 45% (90.0 MiB/200.0 MiB)']);
    assert.deepEqual(logs, ['downloading org/embed-GGUF:Q8_0 (first use)', 'downloading org/embed-GGUF:Q8_0 100% (200.0 MiB/200.0 MiB)', 'downloaded org/embed-GGUF:Q8_0']);
    assert.deepEqual(downloadProgress.snapshot(), []);
  });

  test('a failed resolution leaves nothing behind', async () => {
    const service = {
      async resolveModelFile(_name: string, o: { onProgress?: (e: any) => void } = {}) {
        o.onProgress?.({ event: 'start', desc: 'm.gguf', total: null, n: 0 });
        throw new Error('hub unreachable');
      },
    };
    await assert.rejects(modelPathResolver(service as never)('org/m-GGUF'), /hub unreachable/);
    assert.deepEqual(downloadProgress.snapshot(), []);
  });
});
