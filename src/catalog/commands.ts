// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog's commands: open the sidebar, refresh it, and run a job on
 * packages (after showing what apk will do).
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { type ICommandPalette, Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { describeRequestError, type JobAction } from '../api';
import { apkIcon } from '../icons';
import { runJob } from '../jobs/actions';
import type { JobsModel } from '../jobs/model';
import type { PackageList } from './list';
import type { CatalogModel } from './model';

/**
 * The command IDs of the catalog.
 */
export namespace CommandIDs {
  export const openCatalog = 'apk:open-catalog';

  export const refreshCatalog = 'apk:refresh-catalog';

  export const installPackages = 'apk:install-packages';

  export const upgradePackages = 'apk:upgrade-packages';

  export const removePackages = 'apk:remove-packages';
}

/**
 * The commands that run a job, by action.
 */
const JOB_COMMANDS: Record<JobAction, string> = {
  install: CommandIDs.installPackages,
  upgrade: CommandIDs.upgradePackages,
  remove: CommandIDs.removePackages
};

/**
 * The arguments of the commands that take none, for `describedBy`.
 */
const NO_ARGS_SCHEMA = { type: 'object', properties: {} } as const;

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
 * Add the commands that open and refresh the catalog, and put them in the palette.
 */
export function addCatalogCommands(options: {
  app: JupyterFrontEnd;
  model: CatalogModel;
  panelId: string;
  palette: ICommandPalette | null;
  trans: TranslationBundle;
}): void {
  const { app, model, panelId, palette, trans } = options;
  app.commands.addCommand(CommandIDs.openCatalog, {
    label: trans.__('Open Prebuilt Packages'),
    caption: trans.__(
      'Show the sidebar listing the prebuilt packages of the apk repositories'
    ),
    icon: args => (args['isPalette'] ? undefined : apkIcon),
    describedBy: { args: NO_ARGS_SCHEMA },
    execute: () => {
      app.shell.activateById(panelId);
    }
  });
  app.commands.addCommand(CommandIDs.refreshCatalog, {
    label: trans.__('Refresh Package Catalog'),
    caption: trans.__('Re-read the apk repositories and search again'),
    icon: args => (args['isPalette'] ? undefined : refreshIcon),
    describedBy: { args: NO_ARGS_SCHEMA },
    execute: () => Private.refresh(model, trans)
  });
  if (palette) {
    const category = trans.__('Prebuilt Packages');
    palette.addItem({ command: CommandIDs.openCatalog, category });
    palette.addItem({ command: CommandIDs.refreshCatalog, category });
  }
}

/**
 * Add the commands that run a job on the packages given; the catalog
 * reloads after each job.
 *
 * @param confirmSingleInstall Whether to show the plan before installing a
 * single package (the `confirmSingleInstall` setting), read per job.
 */
export function addJobCommands(options: {
  commands: CommandRegistry;
  jobs: JobsModel;
  model: CatalogModel;
  confirmSingleInstall: () => boolean;
  trans: TranslationBundle;
}): void {
  const { commands, jobs, model, confirmSingleInstall, trans } = options;
  const labels: Record<JobAction, string> = {
    install: trans.__('Install Packages'),
    upgrade: trans.__('Upgrade Packages'),
    remove: trans.__('Remove Packages')
  };
  for (const [action, id] of Object.entries(JOB_COMMANDS) as [
    JobAction,
    string
  ][]) {
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
            confirmSingleInstall()
          ),
          installedVersion: name =>
            model.packages.find(pkg => pkg.name === name)?.installed_version ??
            null,
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

/**
 * The sidebar rows' job actions, through the job commands.
 *
 * @returns A handler resolving with whether the job started.
 */
export function jobActionHandler(
  commands: CommandRegistry
): PackageList.ActionHandler {
  return (action, packages) =>
    commands.execute(JOB_COMMANDS[action], { packages: [...packages] }).then(
      entry => entry !== null,
      reason => {
        console.error(`apk ${action} failed to start`, reason);
        return false;
      }
    );
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Re-read the repositories and search again, telling the outcome in a notification.
   */
  export async function refresh(
    model: CatalogModel,
    trans: TranslationBundle
  ): Promise<void> {
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
            describeRequestError(reason, trans)
          )
      }
    });
    try {
      await summary;
    } catch {
      // Notified above; the sidebar shows the error too.
    }
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
