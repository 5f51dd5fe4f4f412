/** Runtime settings the server injects into index.html at serve time (API base URL, version). */
export interface RuntimeSettings {
  apiBaseUrl: string;
  version: string;
}

function read(): RuntimeSettings {
  const el = typeof document === 'undefined' ? null : document.getElementById('lf-settings');
  try {
    const parsed = el?.textContent ? (JSON.parse(el.textContent) as Partial<RuntimeSettings>) : {};
    return { apiBaseUrl: (parsed.apiBaseUrl ?? '').replace(/\/$/, ''), version: parsed.version ?? 'dev' };
  } catch {
    return { apiBaseUrl: '', version: 'dev' };
  }
}

export const settings: RuntimeSettings = read();
