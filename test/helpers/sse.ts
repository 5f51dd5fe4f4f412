/** Parses a Server-Sent Events body into `{event, data}` frames (comments skipped). */
export interface SseFrame {
  event: string;
  data: any;
}

export function parseSse(body: string): SseFrame[] {
  const out: SseFrame[] = [];
  for (const block of body.split('\n\n')) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) out.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return out;
}
