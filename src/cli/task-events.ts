/**
 * Following a task through its events stream (`GET .../tasks/{id}/events`, Server-Sent Events): `progress`
 * frames carry the task's meta, `file` frames one file's status, the `state` frame the final task.
 */
import type { LfClient } from './http.js';
import { projectPath } from './http.js';

export interface TaskStreamFrame {
  event: string;
  data: any;
}

/** Splits an SSE byte stream into frames (comments and heartbeats skipped). */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<TaskStreamFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { event, data: JSON.parse(data.join('\n')) };
    }
  }
}

/**
 * Calls `onFrame` for every frame until the terminal `state`, which it returns; undefined when the stream ended
 * without one (the caller falls back to polling).
 */
export async function followTaskEvents(client: LfClient, namespace: string, project: string, taskId: string, onFrame: (f: TaskStreamFrame) => void): Promise<any | undefined> {
  const res = await client.send('GET', projectPath(namespace, project, 'tasks', taskId, 'events'), { headers: { accept: 'text/event-stream' } });
  if (!res.body) return undefined;
  for await (const frame of sseFrames(res.body)) {
    onFrame(frame);
    if (frame.event === 'state') {
      await res.body.cancel().catch(() => undefined);
      return frame.data;
    }
  }
  return undefined;
}
