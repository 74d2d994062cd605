// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jupyterlab-apk plugins: wiring only, the logic lives in the modules they use.
 */

import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  Notification,
  showErrorMessage
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IFormRendererRegistry, refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { JobAction } from './api';
import { CatalogModel, isCatalogFilter } from './catalog/model';
import { addEnvironmentSection } from './environment/section';
import { CatalogPanel } from './catalog/panel';
import { apkIcon } from './icons';
import { runJob } from './jobs/actions';
import { JobsModel } from './jobs/model';
import { JobNotifier } from './jobs/notifications';
import { JobsStatus } from './jobs/statusbar';
import {
  REPOSITORIES_SETTING,
  RepositoriesField,
  RepositorySettingsModel,
  RepositorySettingsStatus
} from './settings';
import { IApkJobs } from './tokens';
import { PACKAGE_VERSION } from './version';
import { consoleExecutorPlugin, notebookExecutorPlugin } from './pip/plugins';

/**
 * The command IDs used by the catalog plugin.
 */
namespace CommandIDs {
  export const openCatalog = 'apk:open-catalog';

  export const refreshCatalog = 'apk:refresh-catalog';

  export const installPackages = 'apk:install-packages';

  export const upgradePackages = 'apk:upgrade-packages';

  export const removePackages = 'apk:remove-packages';
}

/**
 * The settings editor's command (from `@jupyterlab/settingeditor-extension`).
 */
const OPEN_SETTINGS_COMMAND = 'settingeditor:open';

/**
 * The commands that run a job, by action.
 */
const JOB_COMMANDS: ReadonlyArray<[JobAction, string]> = [
  ['install', CommandIDs.installPackages],
  ['upgrade', CommandIDs.upgradePackages],
  ['remove', CommandIDs.removePackages]
];

/**
 * The arguments of the job commands, for `describedBy`.
 */
const PACKAGES_ARGS_SCHEMA = {
  type: 'object',
  properties: {
    packages: {
      type: 'array',
      items: { type: 'string' },
      description: 'The apk package names'
    }
  },
  required: ['packages']
} as const;

/**
 * The id of the catalog plugin, which is also its settings schema's id.
 */
const CATALOG_PLUGIN_ID = 'jupyterlab-apk:catalog';

/**
 * How long the settings wait for the server's policy before loading without
 * it, in milliseconds (the policy makes the administrator's list the default).
 */
const POLICY_TIMEOUT = 10000;

/**
 * The left sidebar panel listing the packages of the configured apk repositories.
 */
const catalogPlugin: JupyterFrontEndPlugin<void> = {
  id: CATALOG_PLUGIN_ID,
  description:
    'A left sidebar panel listing the prebuilt packages of the configured Alpine apk repositories.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator,
    IApkJobs,
    IFormRendererRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    jobs: IApkJobs | null,
    formRegistry: IFormRendererRegistry | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyterlab_apk');
    const { commands, shell } = app;
    let confirmSingleInstall = true;

    const model = new CatalogModel({
      serverSettings: app.serviceManager.serverSettings,
      translator
    });
    const panel = new CatalogPanel({
      model,
      translator,
      jobs,
      onAction: jobs
        ? (action, packages) =>
            commands
              .execute(JOB_COMMANDS.find(([a]) => a === action)![1], {
                packages: [...packages]
              })
              .then(
                entry => entry !== null,
                reason => {
                  console.error(`apk ${action} failed to start`, reason);
                  return false;
                }
              )
        : null
    });
    if (jobs) {
      addEnvironmentSection(
        panel,
        jobs,
        app.serviceManager.serverSettings,
        translator,
        trans
      );
    }
    if (restorer) {
      restorer.add(panel, 'jupyterlab-apk-catalog');
    }
    shell.add(panel, 'left', { rank: 1050, type: 'Prebuilt Packages' });

    // The `repositories` setting: shown with the policy in the settings editor,
    // applied to the server when it changes, refused lists explained in the sidebar.
    const repositorySettings = new RepositorySettingsModel({
      serverSettings: app.serviceManager.serverSettings,
      translator
    });
    // The query matches the schema's title, which is not translated.
    const editSettings = () =>
      commands.execute(OPEN_SETTINGS_COMMAND, { query: 'Prebuilt Packages' });
    panel.repositoriesSection.insertWidget(
      0,
      new RepositorySettingsStatus({
        model: repositorySettings,
        trans,
        onEdit: () => void editSettings()
      })
    );
    if (formRegistry) {
      formRegistry.addRenderer(`${CATALOG_PLUGIN_ID}.${REPOSITORIES_SETTING}`, {
        fieldRenderer: RepositoriesField.renderer(
          repositorySettings,
          translator
        )
      });
    }
    repositorySettings.applied.connect(() => {
      if (model.isInitialized) {
        void model.refreshRepositories();
        void model.reload();
      }
    });
    // A short prefix: notifications show 140 characters of the server's message;
    // the sidebar and the settings editor show all of it.
    repositorySettings.failed.connect((_, message) => {
      Notification.error(trans.__('Repositories not applied: %1', message), {
        autoClose: false,
        actions: commands.hasCommand(OPEN_SETTINGS_COMMAND)
          ? [
              {
                label: trans.__('Edit Settings'),
                callback: () => void editSettings()
              }
            ]
          : []
      });
    });

    commands.addCommand(CommandIDs.openCatalog, {
      label: trans.__('Open Prebuilt Packages'),
      caption: trans.__(
        'Show the sidebar listing the prebuilt packages of the apk repositories'
      ),
      icon: args => (args['isPalette'] ? undefined : apkIcon),
      execute: () => {
        shell.activateById(panel.id);
      }
    });

    commands.addCommand(CommandIDs.refreshCatalog, {
      label: trans.__('Refresh Package Catalog'),
      caption: trans.__('Re-read the apk repositories and search again'),
      icon: args => (args['isPalette'] ? undefined : refreshIcon),
      execute: async () => {
        const summary = model.refreshCatalog().then(repositories => {
          const failing = repositories.filter(
            repository => repository.status !== 'ok'
          ).length;
          return failing === 0
            ? trans._n(
                'Package catalog refreshed: %1 repository read.',
                'Package catalog refreshed: %1 repositories read.',
                repositories.length
              )
            : trans._n(
                'Package catalog refreshed, but %1 repository has a problem: see the sidebar.',
                'Package catalog refreshed, but %1 repositories have a problem: see the sidebar.',
                failing
              );
        });
        Notification.promise(summary, {
          pending: {
            message: trans.__('Re-reading the apk repositories…'),
            options: { autoClose: false }
          },
          success: {
            message: result => result as string,
            options: { autoClose: 5000 }
          },
          error: {
            message: reason =>
              trans.__(
                'Refreshing the package catalog failed: %1',
                reason instanceof Error ? reason.message : String(reason)
              )
          }
        });
        try {
          await summary;
        } catch {
          // Notified above; the sidebar shows the error too.
        }
      }
    });

    if (jobs) {
      const labels: Record<JobAction, string> = {
        install: trans.__('Install Packages'),
        upgrade: trans.__('Upgrade Packages'),
        remove: trans.__('Remove Packages')
      };
      for (const [action, id] of JOB_COMMANDS) {
        commands.addCommand(id, {
          label: labels[action],
          caption: trans.__(
            'Run apk on the packages given, after showing what it will do'
          ),
          describedBy: { args: PACKAGES_ARGS_SCHEMA },
          execute: async (args: ReadonlyPartialJSONObject) => {
            const packages = Private.packagesArgument(args);
            return runJob({
              model: jobs,
              action,
              packages,
              confirm: runJob.needsConfirmation(
                action,
                packages,
                confirmSingleInstall
              ),
              installedVersion: name =>
                model.packages.find(pkg => pkg.name === name)
                  ?.installed_version ?? null,
              trans
            });
          }
        });
      }
      // The rows and the open details show installed versions: a job changes them.
      jobs.jobChanged.connect((_, change) => {
        if (change.type === 'ended' && !change.entry.job.preview) {
          model.reload().catch(reason => {
            console.error('Failed to reload the apk package catalog', reason);
          });
        }
      });
    }

    if (palette) {
      const category = trans.__('Prebuilt Packages');
      palette.addItem({ command: CommandIDs.openCatalog, category });
      palette.addItem({ command: CommandIDs.refreshCatalog, category });
    }

    // One request serves the version check below and the repository policy.
    const serverInfo = model.fetchServerInfo();

    if (settingRegistry) {
      const registry = settingRegistry;
      const applySettings = (settings: ISettingRegistry.ISettings): void => {
        const filter = settings.get('defaultFilter').composite;
        if (isCatalogFilter(filter)) {
          model.filter = filter;
        }
        confirmSingleInstall =
          settings.get('confirmSingleInstall').composite !== false;
        void repositorySettings.apply(
          settings.get(REPOSITORIES_SETTING).composite
        );
      };
      // The schema asks for a transform (`jupyter.lab.transform`): the registry
      // loads the settings only once it is registered, and it needs the policy.
      Private.within(serverInfo, POLICY_TIMEOUT)
        .then(info => {
          repositorySettings.serverInfo = info;
        })
        .then(() => {
          try {
            registry.transform(CATALOG_PLUGIN_ID, {
              fetch: plugin => repositorySettings.transform(plugin)
            });
          } catch (reason) {
            console.warn(
              'The jupyterlab-apk repositories setting has no policy default',
              reason
            );
          }
          return registry.load(CATALOG_PLUGIN_ID);
        })
        .then(settings => {
          applySettings(settings);
          settings.changed.connect(applySettings);
        })
        .catch(reason => {
          console.error('Failed to load the jupyterlab-apk settings', reason);
        });
    }

    // A frontend and a server extension from different releases disagree on the
    // REST API in ways that fail obscurely: say so once, up front.
    serverInfo
      .then(info => {
        if (info.version !== PACKAGE_VERSION) {
          void showErrorMessage(
            trans.__('jupyterlab-apk version mismatch'),
            trans.__(
              'The jupyterlab-apk frontend is version %1 but its server extension is version %2. Reinstall the jupyterlab_apk package and restart Jupyter.',
              PACKAGE_VERSION,
              info.version
            )
          );
        }
      })
      .catch(reason => {
        // The panel shows the error when it fetches packages.
        console.error(
          'The jupyterlab-apk server extension did not answer',
          reason
        );
      });
  }
};

/**
 * The install queue: follows apk jobs, reports them in notifications and in
 * the status bar, and provides them to the sidebar.
 */
const jobsPlugin: JupyterFrontEndPlugin<IApkJobs> = {
  id: 'jupyterlab-apk:jobs',
  description:
    'The queue of apk jobs: progress in notifications and in the status bar, and a notice when a kernel needs a restart.',
  autoStart: true,
  provides: IApkJobs,
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): IApkJobs => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyterlab_apk');
    const jobs = new JobsModel({
      serverSettings: app.serviceManager.serverSettings,
      translator
    });
    new JobNotifier({
      model: jobs,
      trans,
      serviceManager: app.serviceManager
    });
    if (statusBar) {
      const item = new JobsStatus({
        model: jobs,
        trans,
        onClick: () => {
          if (app.commands.hasCommand(CommandIDs.openCatalog)) {
            void app.commands.execute(CommandIDs.openCatalog);
          }
        }
      });
      statusBar.registerStatusItem(jobsPlugin.id, {
        item,
        align: 'left',
        rank: 100,
        isActive: () => jobs.hasActive,
        activeStateChanged: jobs.stateChanged
      });
    }
    // Jobs started before a reload (or in another tab) are still the server's.
    void jobs.restore();
    return jobs;
  }
};

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * What a promise resolves to, or `null` when it rejects or takes longer than `ms`.
   */
  export function within<T>(
    promise: Promise<T>,
    ms: number
  ): Promise<T | null> {
    return new Promise(resolve => {
      const timer = setTimeout(() => resolve(null), ms);
      promise.then(
        value => {
          clearTimeout(timer);
          resolve(value);
        },
        () => {
          clearTimeout(timer);
          resolve(null);
        }
      );
    });
  }

  /**
   * The `packages` argument of a job command.
   *
   * @throws When it is not a list of strings.
   */
  export function packagesArgument(args: ReadonlyPartialJSONObject): string[] {
    const packages = args['packages'];
    if (
      !Array.isArray(packages) ||
      !packages.every(name => typeof name === 'string')
    ) {
      throw new Error('packages must be a list of package names');
    }
    return packages as string[];
  }
}

export default [
  jobsPlugin,
  catalogPlugin,
  notebookExecutorPlugin,
  consoleExecutorPlugin
];
