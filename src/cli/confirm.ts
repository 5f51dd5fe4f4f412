/** A yes/no question on the terminal, for destructive commands (`--yes` skips it; without a terminal it is not asked). */
import { createInterface } from 'node:readline/promises';

export interface ConfirmIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Whether to ask at all: only when both ends are a terminal (scripts and pipes are not asked). */
export function canAsk(io: ConfirmIo): boolean {
  return Boolean(io.input.isTTY && io.output.isTTY);
}

/** Asks `question [y/N]`; true only for y/yes (any case). An ended input counts as no. */
export async function confirm(question: string, io: ConfirmIo = { input: process.stdin, output: process.stdout }): Promise<boolean> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: Boolean(io.output.isTTY) });
  try {
    const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
    const answer = await Promise.race([rl.question(`${question} [y/N] `), closed]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
