/**
 * The interactive chat of `lf chat`: a readline prompt, each line one turn streamed as it arrives, the session
 * kept between turns. Commands: /help, /new (start a new session), /session (show its id), /exit (or Ctrl-D).
 * Ctrl-C stops the reply being streamed; at an empty prompt it leaves.
 */
import { createInterface } from 'node:readline';
import type { ChatSession } from './chat-session.js';
import { CliError } from './errors.js';
import { styled } from './output.js';

export const REPL_HELP = [
  'Type a message and press Enter. Commands:',
  '  /new      start a new conversation (new session)',
  '  /session  show the session id',
  '  /help     this help',
  '  /exit     leave (also Ctrl-D)',
].join('\n');

export interface ReplOptions {
  /** Print the model's reasoning (dimmed) before its answer. */
  showThinking: boolean;
  /** Shown once at the start, e.g. the project. */
  banner: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WriteStream;
}

export async function runRepl(session: ChatSession, o: ReplOptions): Promise<void> {
  const input = o.input ?? process.stdin;
  const output = o.output ?? process.stdout;
  const s = styled(output);
  const rl = createInterface({ input, output, terminal: Boolean(output.isTTY), historySize: 200, prompt: s.bold('> ') });
  let turn: AbortController | undefined;
  rl.on('SIGINT', () => {
    if (turn) turn.abort();
    else {
      output.write('\n');
      rl.close();
    }
  });

  const say = (text: string) => output.write(`${text}\n`);
  say(s.dim(`${o.banner} — /help for commands, /exit to leave`));
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/exit' || line === '/quit') break;
    if (line === '/help') say(REPL_HELP);
    else if (line === '/new') {
      session.reset();
      say(s.dim('(new session)'));
    } else if (line === '/session') say(session.sessionId ?? s.dim('(no session yet: it starts with your first message)'));
    else if (line.startsWith('/')) say(`unknown command ${line.split(/\s/)[0]} — /help lists the commands`);
    else if (line) {
      turn = new AbortController();
      let thinking = false;
      let atLineStart = true;
      try {
        await session.send(line, {
          signal: turn.signal,
          onReasoning: (t) => {
            if (!o.showThinking) return;
            thinking = true;
            output.write(s.dim(t));
          },
          onContent: (t) => {
            if (thinking) {
              output.write('\n\n');
              thinking = false;
            }
            output.write(t);
            atLineStart = t.endsWith('\n');
          },
        });
        if (!atLineStart || thinking) output.write('\n');
      } catch (e) {
        if (!atLineStart) output.write('\n');
        if (turn.signal.aborted) say(s.dim('(stopped)'));
        else if (e instanceof CliError) say(s.red(`lf: ${e.message}`));
        else throw e;
      } finally {
        turn = undefined;
      }
    }
    rl.prompt();
  }
  rl.close();
}
