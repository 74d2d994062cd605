// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The extension's icons.
 */

import { LabIcon } from '@jupyterlab/ui-components';

import apkSvgstr from '../style/icons/apk.svg';

/**
 * The package icon of the sidebar tab, the commands and the settings editor.
 */
export const apkIcon = new LabIcon({
  name: 'jupyterlab-apk:apk',
  svgstr: apkSvgstr
});
