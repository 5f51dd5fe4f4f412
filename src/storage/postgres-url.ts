/** Postgres connection URLs: recognising one, and printing one without its password (no `pg` import here). */
/** The URL without its password, for messages and logs. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable Postgres URL)';
  }
}

export function isPostgresUrl(url: string | undefined): boolean {
  return /^postgres(ql)?:\/\//.test((url ?? '').trim());
}
