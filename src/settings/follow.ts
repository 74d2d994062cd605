// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Following a plugin's settings as the user edits them.
 */

import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * Load the settings of `pluginId` and call `read` with them now and after
 * every change.
 *
 * Without a registry, or when the settings cannot be loaded (logged), the
 * caller keeps its defaults: a preference never stops a plugin.
 *
 * @returns A promise resolved once the settings were read, or failed to load.
 */
export async function followSettings(
  registry: ISettingRegistry | null,
  pluginId: string,
  read: (settings: ISettingRegistry.ISettings) => void
): Promise<void> {
  if (!registry) {
    return;
  }
  try {
    const settings = await registry.load(pluginId);
    read(settings);
    settings.changed.connect(() => read(settings));
  } catch (reason) {
    console.error(
      `jupyterlab-apk: cannot load the settings of ${pluginId}`,
      reason
    );
  }
}
