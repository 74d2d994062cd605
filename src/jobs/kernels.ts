// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Which running Python kernels need a restart after a job: those that had
 * already imported a module of a package the job upgraded, replaced or removed.
 *
 * A Python process keeps the modules it imported, so it goes on using the old
 * version until it restarts; a package installed fresh needs no restart.
 */

import { Kernel, KernelMessage, ServiceManager } from '@jupyterlab/services';

import { IJob } from '../api';
import { parseChange } from './outcome';

/**
 * How long a kernel may take to answer, in milliseconds. A kernel busy with a
 * long cell answers only after it: it then counts as possibly affected.
 */
const KERNEL_TIMEOUT = 5000;

/**
 * The plan actions that change a package already installed.
 */
const CHANGING_ACTIONS = new Set([
  'upgrade',
  'downgrade',
  'reinstall',
  'replace',
  'remove'
]);

/**
 * A Python module name (anything else is never sent to a kernel).
 */
const MODULE_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The user expression that names the modules already imported, as one string.
 */
const EXPRESSION_KEY = 'jupyterlab_apk_imported';

/**
 * The packages a finished job changed that were installed before it: upgraded,
 * downgraded, reinstalled, replaced or removed. Fresh installs are left out.
 */
export function changedPackages(job: IJob): string[] {
  const fresh = new Set<string>();
  const changing = new Set<string>();
  for (const step of job.plan?.steps ?? []) {
    if (step.action === 'install') {
      fresh.add(step.name);
    } else if (CHANGING_ACTIONS.has(step.action)) {
      changing.add(step.name);
    }
  }
  // `installed` says what really changed; the plan only what was meant to.
  const names = new Set<string>();
  for (const item of job.installed) {
    const { name } = parseChange(item);
    if (!fresh.has(name)) {
      names.add(name);
    }
  }
  if (job.installed.length === 0 && job.state === 'done') {
    // A reinstall changes no version, so `installed` cannot tell it.
    changing.forEach(name => names.add(name));
  }
  return Array.from(names).sort();
}

/**
 * The Python code (a user expression) that tells which of `modules` are
 * imported, as one comma-separated string.
 *
 * @param modules Module names; names that are not Python identifiers are dropped.
 */
export function importedModulesExpression(
  modules: ReadonlyArray<string>
): string {
  const safe = modules.filter(name => MODULE_RE.test(name));
  // A JSON array of such names is also a Python list literal.
  return (
    `','.join(sorted(m for m in ${JSON.stringify(safe)} ` +
    "if m in __import__('sys').modules))"
  );
}

/**
 * Read the answer to `importedModulesExpression` from an execute reply.
 *
 * @returns The imported modules, or `null` when the reply does not say.
 */
export function parseImportedModules(
  content: KernelMessage.IExecuteReplyMsg['content']
): string[] | null {
  if (content.status !== 'ok') {
    return null;
  }
  const result = (content as KernelMessage.IExecuteReply).user_expressions?.[
    EXPRESSION_KEY
  ] as { status?: string; data?: { 'text/plain'?: string } } | undefined;
  const text =
    result?.status === 'ok' ? result.data?.['text/plain'] : undefined;
  if (typeof text !== 'string') {
    return null;
  }
  // The repr of a str made of module names and commas: '…' or "…".
  const match = /^(['"])(.*)\1$/.exec(text.trim());
  if (!match) {
    return null;
  }
  return match[2]
    .split(',')
    .map(name => name.trim())
    .filter(name => MODULE_RE.test(name));
}

/**
 * Ask one kernel which of `modules` it has imported.
 *
 * #### Notes
 * Uses its own connection to the kernel, so nothing shows in any notebook: an
 * empty, silent execution whose user expression is evaluated in the kernel
 * (no output, no history, no execution count).
 *
 * @returns The imported modules, or `null` when the kernel did not answer in time.
 */
export async function importedModules(
  kernels: Kernel.IManager,
  model: Kernel.IModel,
  modules: ReadonlyArray<string>,
  timeout = KERNEL_TIMEOUT
): Promise<string[] | null> {
  const connection = kernels.connectTo({ model, handleComms: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const future = connection.requestExecute(
      {
        code: '',
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false,
        user_expressions: {
          [EXPRESSION_KEY]: importedModulesExpression(modules)
        }
      },
      true
    );
    const timedOut = new Promise<null>(resolve => {
      timer = setTimeout(() => resolve(null), timeout);
    });
    const reply = await Promise.race([future.done, timedOut]);
    return reply ? parseImportedModules(reply.content) : null;
  } catch (reason) {
    console.warn(`Could not ask kernel ${model.id} for its modules`, reason);
    return null;
  } finally {
    clearTimeout(timer);
    connection.dispose();
  }
}

/**
 * A running kernel that may use an old version of a changed package.
 */
export interface IKernelUse {
  /**
   * The session's name (usually the notebook's file name).
   */
  name: string;
  /**
   * The session's path.
   */
  path: string;
  /**
   * The changed modules the kernel imported, or `null` when it did not answer
   * (it may have imported some).
   */
  modules: string[] | null;
  /**
   * The kernel, to restart it.
   */
  kernel: Kernel.IModel;
}

/**
 * The running Python kernels that imported any of `modules`.
 *
 * @param serviceManager The application's service manager.
 * @param modules The modules of the changed packages.
 * @param timeout How long each kernel may take to answer, in milliseconds.
 */
export async function kernelsUsing(
  serviceManager: ServiceManager.IManager,
  modules: ReadonlyArray<string>,
  timeout = KERNEL_TIMEOUT
): Promise<IKernelUse[]> {
  if (modules.length === 0) {
    return [];
  }
  await Promise.all([
    serviceManager.sessions.refreshRunning().catch(() => undefined),
    serviceManager.kernelspecs.ready.catch(() => undefined)
  ]);
  const specs = serviceManager.kernelspecs.specs?.kernelspecs ?? {};
  const checks: Promise<IKernelUse | null>[] = [];
  for (const session of serviceManager.sessions.running()) {
    const kernel = session.kernel;
    if (!kernel || kernel.execution_state === 'dead') {
      continue;
    }
    const language = specs[kernel.name]?.language ?? '';
    if (language.toLowerCase() !== 'python') {
      continue;
    }
    checks.push(
      importedModules(serviceManager.kernels, kernel, modules, timeout).then(
        imported =>
          imported === null || imported.length > 0
            ? {
                name: session.name || session.path,
                path: session.path,
                modules: imported,
                kernel
              }
            : null
      )
    );
  }
  const uses = await Promise.all(checks);
  return uses.filter((use): use is IKernelUse => use !== null);
}

/**
 * Restart a kernel found by `kernelsUsing`, through a connection of its own.
 */
export async function restartKernel(
  serviceManager: ServiceManager.IManager,
  use: IKernelUse
): Promise<void> {
  const connection = serviceManager.kernels.connectTo({
    model: use.kernel,
    handleComms: false
  });
  try {
    await connection.restart();
  } finally {
    connection.dispose();
  }
}
