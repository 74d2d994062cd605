// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Typed client for the jupyterlab-apk REST API: one function per endpoint,
 * all going through `requestAPI`.
 */

export * from './environment';
export * from './jobs';
export * from './packages';
export * from './repositories';
export * from './request';
export * from './resolve';
