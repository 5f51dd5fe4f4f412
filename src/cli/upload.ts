/**
 * Uploading files to a dataset: multipart `POST .../datasets/{ds}/data` with field `file`, streamed from disk
 * (a Blob from `fs.openAsBlob`, encoded by the platform's FormData, sent with `LfClient.upload`) and counted on
 * its way out for the progress bar.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import mime from 'mime-types';
import { ApiError } from './errors.js';
import { projectPath, type LfClient } from './http.js';
import type { InputFile } from './files.js';
import { createProgress } from './progress.js';

export interface UploadAnswer {
  filename: string;
  hash: string;
  processed?: boolean;
  skipped?: boolean;
  size?: number;
  [key: string]: unknown;
}

export interface UploadReport {
  dataset: string;
  uploaded: Array<UploadAnswer & { file: string }>;
  skipped: Array<UploadAnswer & { file: string }>;
  failed: Array<{ file: string; status: number; error: string }>;
  bytes: number;
}

/** One file up; `onBytes` hears how many of the body's bytes have been handed to the connection so far. */
export async function uploadFile(client: LfClient, path: string, file: InputFile, onBytes?: (sent: number) => void): Promise<UploadAnswer> {
  const name = basename(file.path);
  const blob = await openAsBlob(file.path, { type: mime.lookup(name) || 'application/octet-stream' });
  const form = new FormData();
  form.append('file', blob, name);
  // The Response encodes the form lazily: the file is read from disk as the body is sent, never whole.
  const encoded = new Response(form);
  let sent = 0;
  const counted = encoded.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength;
        onBytes?.(sent);
        controller.enqueue(chunk);
      },
    }),
  );
  return client.upload<UploadAnswer>(path, counted, encoded.headers.get('content-type')!);
}

/**
 * Uploads files one after another with a byte progress bar. A missing project or dataset (404) stops at once;
 * other refusals (too large, unsupported) are recorded per file and the rest still go up.
 */
export async function uploadAll(client: LfClient, namespace: string, project: string, dataset: string, files: InputFile[]): Promise<UploadReport> {
  const path = projectPath(namespace, project, 'datasets', dataset, 'data');
  const report: UploadReport = { dataset, uploaded: [], skipped: [], failed: [], bytes: 0 };
  const total = files.reduce((a, f) => a + f.size, 0);
  const view = createProgress('uploading', 'bytes');
  let done = 0;
  try {
    for (const f of files) {
      view.update(done, total, f.display);
      try {
        const answer = await uploadFile(client, path, f, (sent) => view.update(done + Math.min(sent, f.size), total, f.display));
        (answer.skipped ? report.skipped : report.uploaded).push({ file: f.display, ...answer });
        if (!answer.skipped) report.bytes += f.size;
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 404) throw e;
        report.failed.push({ file: f.display, status: e.status, error: e.detail });
      }
      done += f.size;
      view.update(done, total, f.display);
    }
  } finally {
    view.stop();
  }
  return report;
}
