// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

// webpack (through @jupyterlab/builder) imports SVG files as strings.
declare module '*.svg' {
  const value: string;
  export default value;
}
