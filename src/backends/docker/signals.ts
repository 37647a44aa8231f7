// Ctrl-C and SIGTERM: every live Docker backend removes its containers before the process goes.
// Our handler does the cleanup; if no one else listens for that signal, it then re-raises it so
// the process ends as it would have without us. If the CLI has its own handler, it decides.
// A SIGKILL cannot be caught: then StdinOnce + AutoRemove (the agent exits on stdin EOF) and the
// next run's sweep of dead owners (containers.ts) remove what is left.

interface Closable {
  close(): Promise<void>;
}

const live = new Set<Closable>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  uninstall();
  const closing = [...live].map((b) => b.close());
  void Promise.allSettled(closing).then(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function install(): void {
  for (const s of SIGNALS) if (!process.listeners(s).includes(onSignal)) process.on(s, onSignal);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Tracks a backend from start until its close; the handlers exist only while one is live. */
export function track(b: Closable): void {
  live.add(b);
  install();
}

export function untrack(b: Closable): void {
  live.delete(b);
  if (live.size === 0) uninstall();
}
