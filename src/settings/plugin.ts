// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog plugin's settings: loaded once the server's repository policy
 * is known, and the `repositories` setting shown in the sidebar and the
 * settings editor.
 */

import { Notification } from '@jupyterlab/apputils';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import type {
  IFormRendererRegistry,
  PanelWithToolbar
} from '@jupyterlab/ui-components';
import type { ServerConnection } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';

import type { IServerInfo } from '../api';
import { RepositoriesField } from './field';
import { RepositorySettingsModel } from './model';
import { REPOSITORIES_SETTING } from './repositories';
import { RepositorySettingsStatus } from './status';

/**
 * How long the settings wait for the server's policy before loading without
 * it, in milliseconds (the policy makes the administrator's list the default).
 */
export const POLICY_TIMEOUT = 10000;

/**
 * The settings editor's command (from `@jupyterlab/settingeditor-extension`).
 */
const OPEN_SETTINGS_COMMAND = 'settingeditor:open';

/**
 * Set up the catalog plugin's settings: show the `repositories` setting (see
 * `showRepositorySettings`), then load the settings and apply them.
 */
export function setUpSettings(
  options: Omit<Parameters<typeof showRepositorySettings>[0], 'model'> & {
    serverSettings: ServerConnection.ISettings;
    registry: ISettingRegistry | null;
    serverInfo: Promise<IServerInfo>;
    onChange: (settings: ISettingRegistry.ISettings) => void;
  }
): void {
  const { serverSettings, translator, registry } = options;
  const model = new RepositorySettingsModel({ serverSettings, translator });
  showRepositorySettings({ ...options, model });
  if (registry) {
    void loadSettings({ ...options, registry, repositorySettings: model });
  }
}

/**
 * Load a plugin's settings once the policy is known (or `POLICY_TIMEOUT`
 * passed): apply its `repositories` and call `onChange`, now and on every
 * change.
 *
 * #### Notes
 * The schema asks for a transform (`jupyter.lab.transform`): the registry
 * loads the settings only once it is registered, and it needs the policy.
 */
export async function loadSettings(options: {
  registry: ISettingRegistry;
  pluginId: string;
  serverInfo: Promise<IServerInfo>;
  repositorySettings: RepositorySettingsModel;
  onChange: (settings: ISettingRegistry.ISettings) => void;
}): Promise<void> {
  const { registry, pluginId, repositorySettings } = options;
  const onChange = (settings: ISettingRegistry.ISettings) => {
    void repositorySettings.apply(settings.get(REPOSITORIES_SETTING).composite);
    options.onChange(settings);
  };
  try {
    repositorySettings.serverInfo = await within(
      options.serverInfo,
      POLICY_TIMEOUT
    );
    try {
      registry.transform(pluginId, {
        fetch: plugin => repositorySettings.transform(plugin)
      });
    } catch (reason) {
      console.warn(
        'The jupyterlab-apk repositories setting has no policy default',
        reason
      );
    }
    const settings = await registry.load(pluginId);
    onChange(settings);
    settings.changed.connect(onChange);
  } catch (reason) {
    console.error('Failed to load the jupyterlab-apk settings', reason);
  }
}

/**
 * Show the `repositories` setting: its status in the sidebar's repositories
 * section, its field in the settings editor, and a notification when the
 * server refuses it.
 *
 * @param onApplied Called when the server took a new list.
 */
export function showRepositorySettings(options: {
  model: RepositorySettingsModel;
  section: PanelWithToolbar;
  commands: CommandRegistry;
  formRegistry: IFormRendererRegistry | null;
  pluginId: string;
  translator: ITranslator;
  onApplied: () => void;
}): void {
  const { model, commands, formRegistry, translator } = options;
  const trans = translator.load('jupyterlab_apk');
  // The query matches the schema's title, which is not translated.
  const editSettings = () =>
    void commands.execute(OPEN_SETTINGS_COMMAND, {
      query: 'Prebuilt Packages'
    });
  options.section.insertWidget(
    0,
    new RepositorySettingsStatus({ model, trans, onEdit: editSettings })
  );
  formRegistry?.addRenderer(`${options.pluginId}.${REPOSITORIES_SETTING}`, {
    fieldRenderer: RepositoriesField.renderer(model, translator)
  });
  model.applied.connect(options.onApplied);
  model.failed.connect((_, message) =>
    Private.notifyRefused(message, commands, editSettings, trans)
  );
}

/**
 * What a promise resolves to, or `null` when it rejects or takes longer than `ms`.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
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
 * Module-private helpers.
 */
namespace Private {
  /**
   * Tell that the server refused the repositories.
   *
   * #### Notes
   * A short prefix: notifications show 140 characters of the server's
   * message; the sidebar and the settings editor show all of it.
   */
  export function notifyRefused(
    message: string,
    commands: CommandRegistry,
    editSettings: () => void,
    trans: TranslationBundle
  ): void {
    Notification.error(trans.__('Repositories not applied: %1', message), {
      autoClose: false,
      actions: commands.hasCommand(OPEN_SETTINGS_COMMAND)
        ? [{ label: trans.__('Edit Settings'), callback: editSettings }]
        : []
    });
  }
}
