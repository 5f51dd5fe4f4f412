/**
 * `lf chat [message]`: with a message, or with stdin not a terminal, one turn (streamed to stdout, or the whole
 * `chat.completion` with --json); otherwise an interactive session (see ../repl.ts).
 */
import type { Command } from 'commander';
import { ChatSession, type ChatSettings } from '../chat-session.js';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { numberIn, positiveInt } from '../option-parsers.js';
import { printJson, styled } from '../output.js';
import { runRepl } from '../repl.js';

interface ChatFlags {
  model?: string;
  rag?: boolean;
  database?: string;
  ragTopK?: number;
  session: boolean | string;
  sessionId?: string;
  showThinking?: boolean;
  think?: boolean;
  maxTokens?: number;
  temperature?: number;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}

export function registerChat(program: Command): void {
  program
    .command('chat [message...]')
    .description('chat with the project\'s model: interactive on a terminal, one turn when a message is given or piped in')
    .option('-m, --model <name>', 'a model configured in the project (default: its default model)')
    .option('--rag', 'use the project\'s RAG database for context')
    .option('--no-rag', 'do not use RAG')
    .option('-d, --database <database>', 'RAG database to use')
    .option('--rag-top-k <n>', 'chunks retrieved per question (fewer fit small model contexts)', positiveInt)
    .option('--session-id <id>', 'continue this session')
    .option('--no-session', 'stateless: the server keeps no history')
    .option('--show-thinking', 'print the model\'s reasoning (dimmed, on stderr) before its answer')
    .option('--think', 'ask thinking models to reason first')
    .option('--max-tokens <n>', 'answer length limit in tokens', positiveInt)
    .option('--temperature <t>', 'sampling temperature (0–2)', numberIn(0, 2))
    .action(async (words: string[], o: ChatFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const project = ctx.project();
      if (o.session === false && o.sessionId) throw usageError('--session-id and --no-session do not go together');
      const settings: ChatSettings = {
        model: o.model,
        rag: o.rag,
        database: o.database,
        ragTopK: o.ragTopK,
        stateful: o.session !== false,
        sessionId: o.sessionId,
        think: o.think,
        maxTokens: o.maxTokens,
        temperature: o.temperature,
      };
      const session = new ChatSession(ctx.client, ctx.namespace, project, settings);
      let message = words.join(' ').trim();
      if (!message && !process.stdin.isTTY) {
        message = (await readAll(process.stdin)).trim();
        if (!message) throw usageError('no message: stdin was empty');
      }
      if (!message) {
        if (ctx.json) throw usageError('--json needs a message (as an argument or on stdin)');
        return runRepl(session, { showThinking: Boolean(o.showThinking), banner: `lf chat — ${ctx.namespace}/${project}${o.model ? ` (model ${o.model})` : ''}` });
      }
      if (ctx.json) return printJson(await session.complete(message));
      const dim = styled(process.stderr).dim;
      let last = '';
      let thought = false;
      await session.send(message, {
        onReasoning: (t) => {
          if (!o.showThinking) return;
          thought = true;
          process.stderr.write(dim(t));
        },
        onContent: (t) => {
          process.stdout.write(t);
          last = t;
        },
      });
      if (thought) process.stderr.write('\n');
      if (!last.endsWith('\n')) process.stdout.write('\n');
    });
}
