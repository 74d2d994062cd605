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
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';

import { CatalogModel, isCatalogFilter } from './catalog/model';
import { CatalogPanel } from './catalog/panel';
import { apkIcon } from './icons';
import { PACKAGE_VERSION } from './version';

/**
 * The command IDs used by the catalog plugin.
 */
namespace CommandIDs {
  export const openCatalog = 'apk:open-catalog';

  export const refreshCatalog = 'apk:refresh-catalog';
}

/**
 * The id of the catalog plugin, which is also its settings schema's id.
 */
const CATALOG_PLUGIN_ID = 'jupyterlab-apk:catalog';

/**
 * The left sidebar panel listing the packages of the configured apk repositories.
 */
const catalogPlugin: JupyterFrontEndPlugin<void> = {
  id: CATALOG_PLUGIN_ID,
  description:
    'A left sidebar panel listing the prebuilt packages of the configured Alpine apk repositories.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyterlab_apk');
    const { commands, shell } = app;

    const model = new CatalogModel({
      serverSettings: app.serviceManager.serverSettings,
      translator
    });
    const panel = new CatalogPanel({ model, translator });
    if (restorer) {
      restorer.add(panel, 'jupyterlab-apk-catalog');
    }
    shell.add(panel, 'left', { rank: 1050, type: 'Prebuilt Packages' });

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

    if (palette) {
      const category = trans.__('Prebuilt Packages');
      palette.addItem({ command: CommandIDs.openCatalog, category });
      palette.addItem({ command: CommandIDs.refreshCatalog, category });
    }

    if (settingRegistry) {
      const applySettings = (settings: ISettingRegistry.ISettings): void => {
        const filter = settings.get('defaultFilter').composite;
        if (isCatalogFilter(filter)) {
          model.filter = filter;
        }
      };
      settingRegistry
        .load(CATALOG_PLUGIN_ID)
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
    model
      .fetchServerInfo()
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

export default [catalogPlugin];
