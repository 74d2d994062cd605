// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The `%pip install` interception plugins: the notebook's and the console's cell executors.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, ISessionContext, showDialog } from '@jupyterlab/apputils';
import {
  IConsoleCellExecutor,
  runCell as runConsoleCell
} from '@jupyterlab/console';
import {
  INotebookCellExecutor,
  runCell as runNotebookCell
} from '@jupyterlab/notebook';
import type { ServerConnection } from '@jupyterlab/services';
import type { Token } from '@lumino/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { type IDecision, resolveRequirements } from '../api';
import type { JobsModel } from '../jobs/model';
import { jobChanges } from '../jobs/outcome';
import { IApkJobs } from '../tokens';
import { IInstallOutcome, IPipRouter, PipCellExecutor } from './executor';

/**
 * The settings plugin id of the interception preferences (schema/pip.json).
 */
const SETTINGS_ID = 'jupyterlab-apk:pip';

/**
 * Commands after which held cells of the current widget's session are cancelled.
 */
const INTERRUPT_COMMANDS = new Set([
  'notebook:interrupt-kernel',
  'console:interrupt-kernel',
  'kernelmenu:interrupt'
]);

/**
 * The server side of the interception: `POST resolve` and install jobs.
 */
class ServerPipRouter implements IPipRouter {
  constructor(
    private _jobs: JobsModel,
    private _serverSettings: ServerConnection.ISettings,
    private _overrides: () => Record<string, string>
  ) {}

  async resolve(
    requirements: string[],
    kernel: string,
    signal: AbortSignal
  ): Promise<IDecision[]> {
    const reply = await resolveRequirements(
      requirements,
      kernel,
      this._overrides(),
      this._serverSettings,
      signal
    );
    return reply.decisions;
  }

  async install(
    packages: string[],
    signal: AbortSignal
  ): Promise<IInstallOutcome> {
    const start = performance.now();
    // A job of the jobs model: its progress shows in the status bar and a notification.
    const entry = await this._jobs.submit('install', packages);
    const cancel = () =>
      void this._jobs.cancel(entry.id).catch(() => undefined);
    signal.addEventListener('abort', cancel);
    try {
      const ended = await this._jobs.whenEnded(entry.id);
      const ok = ended.state === 'done';
      return {
        ok,
        error: ok
          ? undefined
          : (ended.job.error ?? ended.connectionError ?? ended.state),
        seconds: (performance.now() - start) / 1000,
        unchanged: ok ? jobChanges(ended.job).unchanged : []
      };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }
}

/**
 * Build the executor shared by both plugins' activations.
 */
async function createExecutor(
  app: JupyterFrontEnd,
  jobs: JobsModel,
  settingRegistry: ISettingRegistry | null,
  translator: ITranslator | null
): Promise<PipCellExecutor> {
  translator = translator ?? nullTranslator;
  const trans = translator.load('jupyterlab_apk');
  const preferences = { intercept: true, confirm: false, overrides: {} };
  if (settingRegistry) {
    try {
      const settings = await settingRegistry.load(SETTINGS_ID);
      const read = () => {
        preferences.intercept = settings.get('interceptPip')
          .composite as boolean;
        preferences.confirm = settings.get('confirmPipInstall')
          .composite as boolean;
        preferences.overrides = settings.get('pipOverrides')
          .composite as Record<string, string>;
      };
      read();
      settings.changed.connect(read);
    } catch (reason) {
      console.error('jupyterlab-apk: cannot load the %pip settings', reason);
    }
  }
  const confirm = async (decisions: IDecision[]) => {
    if (!preferences.confirm) {
      return true;
    }
    const result = await showDialog({
      title: trans.__('Install with apk?'),
      body: decisions.map(decision => decision.reason).join('\n'),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Use pip') }),
        Dialog.okButton({ label: trans.__('Install with apk') })
      ]
    });
    return result.button.accept;
  };
  const executor = new PipCellExecutor({
    router: new ServerPipRouter(
      jobs,
      app.serviceManager.serverSettings,
      () => preferences.overrides
    ),
    isEnabled: () => preferences.intercept,
    confirm,
    translator
  });
  app.commands.commandExecuted.connect((_, args) => {
    const widget = app.shell.currentWidget as {
      sessionContext?: ISessionContext;
    } | null;
    if (INTERRUPT_COMMANDS.has(args.id) && widget?.sessionContext) {
      executor.interrupt(widget.sessionContext);
    }
  });
  return executor;
}

/**
 * A plugin providing *token* as the core `runCell` with `%pip install` routed first.
 */
function executorPlugin<
  T extends { runCell: (options: any) => Promise<boolean> }
>(
  id: string,
  where: string,
  token: Token<T>,
  runCell: T['runCell']
): JupyterFrontEndPlugin<T> {
  return {
    id,
    description: `Runs ${where} cells, installing what prebuilt apks satisfy in %pip install commands first.`,
    autoStart: true,
    provides: token,
    requires: [IApkJobs],
    optional: [ISettingRegistry, ITranslator],
    activate: async (
      app: JupyterFrontEnd,
      jobs: JobsModel,
      settingRegistry: ISettingRegistry | null,
      translator: ITranslator | null
    ): Promise<T> => {
      const executor = await createExecutor(
        app,
        jobs,
        settingRegistry,
        translator
      );
      return Object.freeze({ runCell: executor.wrap(runCell) }) as T;
    }
  };
}

/**
 * The notebook cell executor.
 */
export const notebookExecutorPlugin = executorPlugin(
  'jupyterlab-apk:notebook-cell-executor',
  'notebook',
  INotebookCellExecutor,
  runNotebookCell
);

/**
 * The console cell executor.
 */
export const consoleExecutorPlugin = executorPlugin(
  'jupyterlab-apk:console-cell-executor',
  'console',
  IConsoleCellExecutor,
  runConsoleCell
);
