/**
 * For the CLI tests: a real `lf serve` child on a fresh data dir, the CLI run as a child process
 * (`node --import tsx src/cli/main.ts ...`), and the CLI inside a pseudo-terminal via util-linux `script`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const MAIN = join(REPO_ROOT, 'src/cli/main.ts');

export interface ServerProcess {
  url: string;
  dataDir: string;
  /** Paths of the server's OpenAPI document (which endpoints exist in this build). */
  paths: Set<string>;
  stop(): Promise<void>;
}

export async function spawnServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = await tempDir('lf-cli-');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, LF_LOG_LEVEL: 'warn', HOST: '127.0.0.1', LF_RELEASES_URL: 'http://127.0.0.1:9/unreachable', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code}): ${out} ${err}`));
    });
  });
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  return {
    url,
    dataDir,
    paths: new Set(Object.keys(doc.paths)),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface LfRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (default: stdin closed at once, so it is not a terminal). */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** Environment for CLI children: no LF_* settings leak in from the test process. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['LF_SERVER', 'LF_NAMESPACE', 'LF_PROJECT']) delete env[k];
  return { ...env, ...extra };
}

/** Runs `lf <args>` to completion. */
export function runLf(args: string[], o: RunOptions = {}): Promise<LfRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: o.cwd ?? REPO_ROOT, env: cliEnv(o.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lf ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

export const hasScript = () => spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Removes ANSI escape sequences (colours, cursor moves) and carriage returns. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** `lf <args>` inside a pseudo-terminal: type lines, wait for output, then collect the exit code. */
export class PtySession {
  private output = '';
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(args: string[], o: { env?: Record<string, string>; cols?: number } = {}) {
    const cmd = [process.execPath, '--import', 'tsx', MAIN, ...args].map(shellQuote).join(' ');
    // script(1) gives the command a PTY; stty sets a known width for progress bars.
    this.child = spawn('script', ['-qfec', `stty cols ${o.cols ?? 120} rows 40; exec ${cmd}`, '/dev/null'], {
      cwd: REPO_ROOT,
      env: cliEnv({ TERM: 'xterm', ...o.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (d) => (this.output += d));
    this.child.stderr.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => this.child.on('close', (code) => r(code)));
  }

  /** Everything the terminal showed so far, without escape sequences. */
  get text(): string {
    return plain(this.output);
  }

  get raw(): string {
    return this.output;
  }

  write(data: string): void {
    this.child.stdin.write(data);
  }

  /** Waits until the terminal text (from `from` on) matches. */
  async waitFor(re: RegExp, o: { from?: number; timeoutMs?: number } = {}): Promise<RegExpExecArray> {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    for (;;) {
      const m = re.exec(this.text.slice(o.from ?? 0));
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; terminal shows:\n${this.text}`);
      if (this.child.exitCode !== null) throw new Error(`lf exited (${this.child.exitCode}) before ${re}; terminal shows:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends the session: closes its input, waits for the exit (killing it after `timeoutMs`). */
  async close(timeoutMs = 180_000): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

export interface OfflineOptions {
  /** A local GGUF file for a `universal` model named `tiny`. */
  chatModel?: string;
  /** The whole `runtime` section instead (e.g. an `openai` provider pointing at a fake upstream). */
  runtime?: Record<string, unknown>;
}

/** Reconfigures an existing project: its RAG databases embed offline (HashingEmbedder, 256-d) and, optionally,
 * chat uses a local GGUF file through the `universal` runtime. */
export async function configureOffline(url: string, ns: string, name: string, o: OfflineOptions = {}): Promise<void> {
  const got = await fetch(`${url}/v1/projects/${ns}/${name}`);
  const body = (await got.json()) as any;
  if (got.status !== 200) throw new Error(`get project failed: ${JSON.stringify(body)}`);
  const config = body.project.config;
  for (const db of config.rag.databases) {
    db.embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 256 } }];
    db.default_embedding_strategy = 'default_embeddings';
  }
  if (o.chatModel) config.runtime = { default_model: 'tiny', models: [{ name: 'tiny', provider: 'universal', model: o.chatModel }] };
  if (o.runtime) config.runtime = o.runtime;
  const put = await fetch(`${url}/v1/projects/${ns}/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config }) });
  const text = await put.text();
  if (put.status !== 200) throw new Error(`configure project failed: ${text}`);
}

/** Creates a project from the `rag` template, then `configureOffline`. */
export async function createOfflineProject(url: string, ns: string, name: string, o: OfflineOptions = {}): Promise<void> {
  const created = await fetch(`${url}/v1/projects/${ns}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, config_template: 'rag' }) });
  const text = await created.text();
  if (created.status !== 200) throw new Error(`create project failed: ${text}`);
  await configureOffline(url, ns, name, o);
}
