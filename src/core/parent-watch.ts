/**
 * For child processes the server forks (LanceDB maintenance): exit as soon as the parent is gone, so a child of
 * a SIGKILLed server never overlaps the next server on the same files. Two signals: the IPC channel closing
 * (immediate when there is one), and the parent pid changing (the child was re-parented), checked every second.
 */
export function exitWhenParentDies(o: { pollMs?: number; exitCode?: number } = {}): () => void {
  const parent = process.ppid;
  const code = o.exitCode ?? 1;
  const onDisconnect = (): void => process.exit(code);
  if (process.connected) process.once('disconnect', onDisconnect);
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(code);
  }, o.pollMs ?? 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    process.off('disconnect', onDisconnect);
  };
}
