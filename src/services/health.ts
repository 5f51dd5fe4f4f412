/**
 * `/health` (decision 0001): `{status, summary, services, components[], timestamp}`; always answers. Components
 * register a probe; each probe is timed and bounded so one slow dependency cannot stall the endpoint.
 */
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface ProbeResult {
  status: HealthStatus;
  message: string;
  details?: Record<string, unknown>;
}

export interface ComponentHealth extends ProbeResult {
  name: string;
  latency_ms: number;
}

export interface HealthReport {
  status: HealthStatus;
  summary: string;
  services: Record<string, HealthStatus>;
  components: ComponentHealth[];
  timestamp: number;
  /** Built-in seed projects (newer original servers list them; their clients read the list unguarded). None yet. */
  seeds: string[];
}

export type Probe = () => Promise<ProbeResult> | ProbeResult;

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export function worst(statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'healthy');
}

/** How long a component's probe result is reused (LF_HEALTH_CACHE_MS): `/health` under load stays cheap. */
export const DEFAULT_HEALTH_CACHE_MS = 1500;

export class HealthService {
  private readonly probes: { name: string; probe: Probe }[] = [];
  /** Per component: the last result and when it was taken, or the probe still running (single flight). */
  private readonly cache = new Map<string, { at: number; result: Promise<ComponentHealth> }>();

  constructor(
    private readonly timeoutMs = 2000,
    private readonly cacheMs = DEFAULT_HEALTH_CACHE_MS,
  ) {}

  register(name: string, probe: Probe): void {
    this.probes.push({ name, probe });
  }

  private async runProbe(name: string, probe: Probe): Promise<ComponentHealth> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(probe),
        new Promise<ProbeResult>((resolve) => {
          timer = setTimeout(() => resolve({ status: 'unhealthy', message: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs);
        }),
      ]);
      return { name, ...result, latency_ms: Math.round((performance.now() - t0) * 100) / 100 };
    } catch (e) {
      return { name, status: 'unhealthy', message: (e as Error).message, latency_ms: Math.round((performance.now() - t0) * 100) / 100 };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A component's result: reused while younger than `cacheMs`, and shared by concurrent callers while the probe
   * runs, so a burst of `/health` calls runs each probe at most once per period and never queues behind itself.
   */
  private cachedProbe(name: string, probe: Probe): Promise<ComponentHealth> {
    const now = performance.now();
    const hit = this.cache.get(name);
    if (hit && now - hit.at < this.cacheMs) return hit.result;
    const result = this.runProbe(name, probe);
    const entry = { at: Number.POSITIVE_INFINITY, result };
    this.cache.set(name, entry);
    // Ageing starts when the answer arrives: a probe that took 2 s is not stale the moment it lands.
    void result.then(() => { entry.at = performance.now(); });
    return result;
  }

  async report(): Promise<HealthReport> {
    const components = await Promise.all(this.probes.map((p) => this.cacheMs > 0 ? this.cachedProbe(p.name, p.probe) : this.runProbe(p.name, p.probe)));
    const status = worst(components.map((c) => c.status));
    return {
      status,
      summary: components.map((c) => `${c.name}=${c.status}`).join(', '),
      services: Object.fromEntries(components.map((c) => [c.name, c.status])),
      components,
      timestamp: Math.floor(Date.now() / 1000),
      seeds: [],
    };
  }
}

/** The data dir's projects folder exists and is writable. */
export function storageProbe(projectsDir: string): Probe {
  return async () => {
    try {
      await mkdir(projectsDir, { recursive: true });
      const f = join(projectsDir, `.health_write_test_${process.pid}`);
      await writeFile(f, 'ok');
      await rm(f, { force: true });
      return { status: 'healthy', message: `${projectsDir} exists and writable` };
    } catch (e) {
      return { status: 'degraded', message: `${projectsDir} is not writable: ${(e as Error).message}` };
    }
  };
}
