/**
 * Follows one task live: `GET .../tasks/{id}/events` (Server-Sent Events, read with fetch so the API key header can
 * be sent) with `progress`, `file` and a terminal `state` event. A server without the stream (404) is followed by
 * polling `GET .../tasks/{id}` once a second instead, with its `meta.files` mapped to the same per-file events.
 */
import { createParser } from 'eventsource-parser';
import { ApiError, api, apiUrl, authHeaders, p } from '../api/client';
import type { TaskGetResponse } from '../api/types';
import type { FileEvent } from '../api/dataloop';
import { polledFileStatus, resultFiles, TERMINAL, type PolledFile, type TaskRecord } from './task-files';

export { TERMINAL, type TaskRecord, type TaskState } from './task-files';

export interface TaskListener {
  onProgress(meta: Record<string, unknown>): void;
  onFile(e: FileEvent): void;
  onDone(task: TaskRecord): void;
  onError(err: unknown): void;
  /** How the task is followed: 'stream' (events) or 'polling' (older servers). */
  onMode?(mode: 'stream' | 'polling'): void;
}


export function followTask(ns: string, project: string, taskId: string, l: TaskListener): () => void {
  const ctrl = new AbortController();
  let stopped = false;
  const stop = () => {
    stopped = true;
    ctrl.abort();
  };

  async function poll(): Promise<void> {
    l.onMode?.('polling');
    while (!stopped) {
      try {
        const t = (await api.get<TaskGetResponse>(p`/v1/projects/${ns}/${project}/tasks/${taskId}`)) as TaskRecord;
        if (stopped) return;
        if (t.meta) {
          l.onProgress(t.meta);
          for (const f of ((t.meta as { files?: PolledFile[] }).files ?? [])) l.onFile({ hash: f.file_hash, filename: f.filename, status: polledFileStatus(f) });
        }
        if (TERMINAL.includes(t.state) || t.cancelled) {
          for (const f of resultFiles(t)) l.onFile(f);
          l.onDone(t);
          return;
        }
      } catch (err) {
        if (!stopped) l.onError(err);
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async function stream(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(apiUrl(p`/v1/projects/${ns}/${project}/tasks/${taskId}/events`), { headers: { accept: 'text/event-stream', ...authHeaders() }, signal: ctrl.signal });
    } catch {
      if (!stopped) return poll();
      return;
    }
    if (res.status === 404 || res.status === 405 || !res.body || !String(res.headers.get('content-type')).includes('text/event-stream')) {
      // The task itself may be unknown: polling reports that with the API's own 404 text.
      await res.body?.cancel().catch(() => undefined);
      return poll();
    }
    if (!res.ok) {
      l.onError(new ApiError(res.status, res.statusText));
      return;
    }
    l.onMode?.('stream');
    let done = false;
    const parser = createParser({
      onEvent(ev) {
        let data: unknown;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (ev.event === 'progress') l.onProgress((data ?? {}) as Record<string, unknown>);
        else if (ev.event === 'file') l.onFile(data as FileEvent);
        else if (ev.event === 'state') {
          done = true;
          l.onDone(data as TaskRecord);
        }
      },
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      while (!stopped) {
        const { value, done: end } = await reader.read();
        if (end) break;
        parser.feed(value);
      }
    } catch (err) {
      if (!stopped) l.onError(err);
      return;
    }
    // The stream ended without a terminal event (a proxy cut it): carry on by polling.
    if (!done && !stopped) return poll();
  }

  void stream();
  return stop;
}
