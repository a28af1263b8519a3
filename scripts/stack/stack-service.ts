/** One server of the local stack (Cassandra or FerretDB), as the stack commands see it. */
export interface StackService {
  readonly name: string;
  /** the client port; `ports` lists every port it binds */
  readonly port: number;
  readonly ports: number[];
  readonly logFile: string;
  /** where the process's own stdout/stderr go (same as logFile when it logs there) */
  readonly stdoutFile: string;
  readonly pidFile: string;
  /** appears in our process's command line and nowhere else: proves a pid is ours */
  readonly marker: string;
  /** throws a StackError (one line) when a prerequisite tool is missing */
  checkTools(): void;
  isInstalled(): boolean;
  /** downloads/builds into the shared cache; a no-op when already cached */
  install(): Promise<void>;
  /** writes config files and folders under the stack's data folder */
  prepare(): void;
  command(): { bin: string; args: string[]; cwd: string };
  /** true when the server answers a real request */
  isReady(): Promise<boolean>;
  /** run once it answers, on every `up` (idempotent set-up that needs the server running) */
  afterReady?(): Promise<void>;
  /** why a running process of ours cannot serve the current settings (undefined: it can) */
  runningDiffers?(pid: number): string | undefined;
  /** the signal that asks it to stop (SIGTERM when absent) */
  readonly stopSignal?: NodeJS.Signals;
  /** the user it runs as, when not ours (a server that refuses root) */
  runAs?(): { uid: number; gid: number } | undefined;
}
