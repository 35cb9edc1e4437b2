// The scaffold's webpack config, extended as create-plugin documents: the nested strike-ladder
// panel's images are copied beside its module (the scaffold copies only the top plugin's logos).
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> =>
  merge(await grafanaConfig(env), {
    plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'panels/*/img/*', to: '.' }] })],
  });

export default config;
