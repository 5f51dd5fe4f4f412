/**
 * Starting and stopping the server process: build the context and app, listen, and on SIGTERM/SIGINT stop
 * accepting, let in-flight requests finish (bounded), close the stores and exit 0.
 */
import type { FastifyInstance } from 'fastify';
import { loadSettings, type SettingsOverrides } from './core/settings.js';
import { createContext, type AppContext } from './services/context.js';
import { buildApp } from './api/app.js';
import { checkSafeBinding } from './api/security/binding.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(overrides: SettingsOverrides = {}): Promise<RunningServer> {
  const settings = loadSettings(overrides);
  const ctx = await createContext(settings);
  try {
    checkSafeBinding(settings, await ctx.apiKeys.required());
  } catch (e) {
    await ctx.close();
    throw e;
  }
  const app = await buildApp(ctx);
  await app.listen({ host: settings.host, port: settings.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close();
      await ctx.close();
    })());
  return { app, ctx, url, stop };
}

/** Installs signal handlers: graceful stop within `graceMs`, then exit. */
export function handleSignals(server: RunningServer, graceMs = 10_000): void {
  let received = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received) return;
    received = true;
    server.ctx.log.info({ signal: sig }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      server.ctx.log.warn('in-flight work did not finish in time; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    server
      .stop()
      .then(() => process.exit(0))
      .catch((e) => {
        server.ctx.log.error({ err: e }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
