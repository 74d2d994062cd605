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
import type { Token } from '@lumino/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import type { IDecision } from '../api';
import type { JobsModel } from '../jobs/model';
import { followSettings } from '../settings/follow';
import { IApkJobs } from '../tokens';
import { recordPackages } from '../notebook/metadata';
import { IRunCellOptions, PipCellExecutor } from './executor';
import { ServerPipRouter } from './router';

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
 * The executor of each application, shared by both plugins' activations (one
 * settings load, one interrupt listener).
 */
const executors = new WeakMap<JupyterFrontEnd, Promise<PipCellExecutor>>();

/**
 * The executor shared by both plugins' activations, built by the first.
 */
function sharedExecutor(
  app: JupyterFrontEnd,
  jobs: JobsModel,
  settingRegistry: ISettingRegistry | null,
  translator: ITranslator | null
): Promise<PipCellExecutor> {
  let executor = executors.get(app);
  if (!executor) {
    executor = createExecutor(app, jobs, settingRegistry, translator);
    executors.set(app, executor);
  }
  return executor;
}

/**
 * Build an executor: read the settings, and cancel held cells when the user
 * interrupts their kernel.
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
  await followSettings(settingRegistry, SETTINGS_ID, settings => {
    preferences.intercept = settings.get('interceptPip').composite as boolean;
    preferences.confirm = settings.get('confirmPipInstall')
      .composite as boolean;
    preferences.overrides = settings.get('pipOverrides').composite as Record<
      string,
      string
    >;
  });
  const confirm = async (decisions: IDecision[]) => {
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
    router: new ServerPipRouter({
      jobs,
      serverSettings: app.serviceManager.serverSettings,
      overrides: () => preferences.overrides
    }),
    isEnabled: () => preferences.intercept,
    confirm,
    shouldConfirm: () => preferences.confirm,
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
 * A plugin providing *token* as the core `runCell` with `%pip install` routed
 * first, telling *onInstalled* what apk installed for a cell.
 */
function executorPlugin<O extends IRunCellOptions>(
  id: string,
  where: string,
  token: Token<{ runCell: (options: O) => Promise<boolean> }>,
  runCell: (options: O) => Promise<boolean>,
  onInstalled?: PipCellExecutor.OnInstalled<O>
): JupyterFrontEndPlugin<{ runCell: (options: O) => Promise<boolean> }> {
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
    ) => {
      const executor = await sharedExecutor(
        app,
        jobs,
        settingRegistry,
        translator
      );
      return Object.freeze({ runCell: executor.wrap(runCell, onInstalled) });
    }
  };
}

/**
 * The notebook cell executor, which records in the notebook's metadata what
 * apk installed for it.
 */
export const notebookExecutorPlugin = executorPlugin(
  'jupyterlab-apk:notebook-cell-executor',
  'notebook',
  INotebookCellExecutor,
  runNotebookCell,
  (options, installed) => recordPackages(options.notebook, installed)
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
