// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The `repositories` setting: policy rules, the model applying it to the
 * server, its settings editor field, its line in the sidebar and the
 * notification of a refused list.
 */

export * from './field';
export * from './model';
export * from './refusal';
export * from './repositories';
export * from './status';
