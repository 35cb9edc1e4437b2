// Static checks of the docker-compose stack (no Docker engine or Grafana server runs here): the
// compose file, the image, the provisioned data sources, dashboards and alert rules, and the
// documentation of every environment variable.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ALERT_SETTINGS, renderAlerting } from '../src/alerting.ts';
import { renderedRules } from './support/alert-rules.ts';
import { DASHBOARDS, dashboardFiles } from '../src/dashboards/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** .env.example's settings; the required (empty) ones get a placeholder, as a user's .env would. */
const ENV_EXAMPLE = new Map(
  read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z]\w*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1) || 'set-in-env'] as const)
);

/** docker compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$ for a literal $. */
function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const value = env.get(name!);
    if (value) return value;
    if (op === '?') throw new Error(`compose: ${name} is required: ${arg}`);
    return op === '-' ? arg! : '';
  });
}

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const COMPOSE_TEXT = read('docker-compose.yml');
const compose = parse(interpolate(COMPOSE_TEXT, ENV_EXAMPLE), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const grafanaEnv = services.grafana!.environment!;

/** The plugin ids of the build: the data source and the nested panel. */
const pluginJsons = [
  'grafana-plugin/src/plugin.json',
  ...readdirSync(join(ROOT, 'grafana-plugin/src/panels')).map((p) => `grafana-plugin/src/panels/${p}/plugin.json`),
].map((path) => JSON.parse(read(path)) as { id: string; type: string; dependencies: { grafanaDependency: string } });
const PLUGIN_IDS = pluginJsons.map((p) => p.id);

/**
 * Image repositories and the tags they publish. grafana/grafana-oss is not here: it is no longer
 * updated from Grafana 12.4.0 ("use the grafana/grafana Docker Hub repository … the same Grafana OSS
 * docker images", grafana.com/docs/grafana/next/setup-grafana/installation/docker) and has missed tags.
 */
const PUBLISHED: Record<string, RegExp> = {
  'grafana/grafana': /^\d+\.\d+\.\d+$/,
  'timescale/timescaledb': /^\d+\.\d+\.\d+-pg\d+$/,
  node: /^\d+\.\d+\.\d+-[\w-]+$/,
};
function assertPublished(where: string, image: string): void {
  const [repository, tag] = image.split(':') as [string, string | undefined];
  const tags = PUBLISHED[repository];
  assert.ok(tags, `${where}: ${repository} is a repository that publishes releases`);
  assert.match(tag ?? '', tags, `${where}: ${image} is a tag ${repository} publishes`);
}

const version = (text: string) =>
  text
    .match(/(\d+)\.(\d+)(?:\.(\d+))?/)!
    .slice(1)
    .map((n) => Number(n ?? 0));
const atLeast = (a: number[], b: number[]) =>
  a[0]! > b[0]! || (a[0] === b[0] && (a[1]! > b[1]! || (a[1] === b[1] && a[2]! >= b[2]!)));

describe('docker-compose.yml', () => {
  test('has the stack: TimescaleDB, migrations, loader, API, alert rendering, Grafana', () => {
    assert.deepEqual(Object.keys(services).sort(), ['alerting', 'api', 'grafana', 'loader', 'migrate', 'timescaledb']);
    assert.deepEqual(services.migrate!.command, ['migrate']);
    assert.equal(services.loader!.command![0], 'watch');
    assert.equal(services.loader!.depends_on!.migrate!.condition, 'service_completed_successfully');
    assert.equal(services.grafana!.depends_on!.alerting!.condition, 'service_completed_successfully');
    assert.ok(
      services.timescaledb!.healthcheck && services.grafana!.healthcheck && services.api!.healthcheck,
      'health checks'
    );
    assert.ok(compose.volumes['timescaledb-data'] !== undefined, 'the database in a named volume');
  });

  test("every image is pinned to a tag its repository publishes; Grafana is grafana/grafana ≥ the plugins' grafanaDependency", () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) assert.match(service.image ?? '', /^[\w./-]+:\d+\.\d+[\w.-]*$/, `${name}: ${service.image}`);
      else assertPublished(name, service.image ?? '');
    }
    const from = read('Dockerfile').match(/^FROM (\S+)/m)![1]!;
    assertPublished('Dockerfile FROM', from);
    const grafana = services.grafana!.image!;
    assert.match(grafana, /^grafana\/grafana:/);
    for (const p of pluginJsons)
      assert.ok(
        atLeast(version(grafana), version(p.dependencies.grafanaDependency)),
        `${grafana} satisfies ${p.id} ${p.dependencies.grafanaDependency}`
      );
    const readme = read('README.md');
    for (const image of readme.match(/grafana\/grafana[\w-]*:[\w.-]+/g) ?? [])
      assert.equal(image, grafana, 'the README shows the image the stack runs');
  });

  test('every mounted path and every file the image copies exists', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.')) {
          assert.ok(source in compose.volumes, `${name}: named volume ${source} is declared`);
          continue;
        }
        assert.ok(
          existsSync(join(ROOT, source)),
          `${name}: ${source} exists${source.includes('dist') ? ' (npm run build)' : ''}`
        );
      }
    }
    for (const line of read('Dockerfile')
      .split('\n')
      .filter((l) => l.startsWith('COPY '))) {
      for (const source of line.split(/\s+/).slice(1, -1))
        assert.ok(existsSync(join(ROOT, source)), `Dockerfile: ${source}`);
    }
  });

  test('the image installs every workspace the lockfile names and copies every one its commands import', () => {
    const dockerfile = read('Dockerfile');
    const copied = new Set(
      dockerfile
        .split('\n')
        .filter((l) => l.startsWith('COPY '))
        .map((l) => l.split(/\s+/).slice(1).join(' '))
    );
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    // npm ci checks the lockfile against every workspace's package.json.
    for (const ws of workspaces)
      assert.ok(copied.has(`${ws}/package.json ${ws}/`), `Dockerfile copies ${ws}/package.json before npm ci`);
    const installed = [...dockerfile.matchAll(/-w (\S+)/g)].map((m) => m[1]!);
    const needed = new Set<string>();
    const visit = (ws: string) => {
      if (needed.has(ws)) return;
      needed.add(ws);
      const { dependencies = {} } = JSON.parse(read(`${ws}/package.json`)) as { dependencies?: Record<string, string> };
      for (const name of Object.keys(dependencies).filter((d) => d.startsWith('@optflow/')))
        visit(name.slice('@optflow/'.length));
    };
    for (const ws of installed) visit(ws);
    for (const ws of needed) {
      assert.ok(installed.includes(ws), `npm ci installs the workspace ${ws}`);
      assert.ok(copied.has(`${ws} ${ws}`), `Dockerfile copies the workspace ${ws}`);
    }
  });

  test('service names and ports agree with the provisioned URLs', () => {
    const api = new URL(grafanaEnv.OPTFLOW_API_URL!);
    assert.ok(services[api.hostname], `OPTFLOW_API_URL names the service ${api.hostname}`);
    const command = services[api.hostname]!.command!;
    assert.equal(command[0], 'serve');
    assert.equal(command[command.indexOf('--port') + 1], api.port);
    assert.equal(
      command[command.indexOf('--host') + 1],
      '0.0.0.0',
      'the API listens beyond loopback inside its container'
    );
    const [dbHost, dbPort] = grafanaEnv.OPTFLOW_DB_HOST!.split(':');
    assert.ok(services[dbHost!], `OPTFLOW_DB_HOST names the service ${dbHost}`);
    assert.equal(dbPort, '5432');
    for (const name of ['migrate', 'loader', 'api']) {
      assert.equal(
        new URL(services[name]!.environment!.DATABASE_URL!).host,
        `${dbHost}:${dbPort}`,
        `${name} reaches the same database`
      );
    }
    assert.equal(grafanaEnv.POSTGRES_DB, services.timescaledb!.environment!.POSTGRES_DB);
    assert.equal(
      grafanaEnv.OPTFLOW_API_TOKEN,
      services.api!.environment!.OPTFLOW_API_TOKEN,
      'Grafana sends the token the API expects'
    );
  });

  test('Grafana loads both plugins (unsigned, listed by id) from the built dist/', () => {
    assert.deepEqual(grafanaEnv.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',').sort(), [...PLUGIN_IDS].sort());
    const mount = services.grafana!.volumes!.find((v) => v.startsWith('./grafana-plugin/dist:'))!;
    assert.equal(mount.split(':')[1], `/var/lib/grafana/plugins/${pluginJsons[0]!.id}`);
    const built = ['grafana-plugin/dist/plugin.json', 'grafana-plugin/dist/panels/strike-ladder/plugin.json'].map(
      (p) => JSON.parse(read(p)) as { id: string }
    );
    assert.deepEqual(
      built.map((p) => p.id),
      PLUGIN_IDS,
      'dist/ holds both plugins (npm run build)'
    );
    assert.ok(
      existsSync(join(ROOT, 'grafana-plugin/dist/module.js')) &&
        existsSync(join(ROOT, 'grafana-plugin/dist/panels/strike-ladder/module.js'))
    );
    const home = grafanaEnv.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!.replace(
      '/etc/grafana/provisioning/dashboards/',
      'provisioning/grafana/dashboards/'
    );
    assert.ok(existsSync(join(ROOT, home)), `home dashboard ${home}`);
  });
});

/** The provisioned files as Grafana reads them: environment variables from grafana's service. */
function grafanaYaml(path: string): unknown {
  const values = read(path)
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  const text = values.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
    const name = (a ?? b)!;
    assert.ok(name in grafanaEnv, `${path}: \${${name}} is set in grafana's environment`);
    return grafanaEnv[name]!;
  });
  return parse(text);
}

interface Folder {
  uid: string;
  title: string;
}

/**
 * How Grafana finds or creates the folder of provisioned dashboards and alert rules, on a fresh
 * database. Dashboard provider (pkg/services/provisioning/dashboards/file_reader.go,
 * getOrCreateFolder): by folderUid when set, else by the title `folder`; not found, it creates the
 * folder with that uid (if any) and title. Alert rule group (pkg/services/provisioning/alerting/
 * rules_provisioner.go, getOrCreateFolderFullpath): by the title `folder` only — the file format has
 * no folder uid — and creates it with a random uid. Returns the folders and where each went;
 * `alertingFirst` picks the order (it differs between Grafana versions).
 */
function provisionFolders(
  providers: ReadonlyArray<{ folder?: string; folderUid?: string }>,
  groups: ReadonlyArray<{ folder: string }>,
  alertingFirst: boolean
): { folders: Folder[]; dashboards: string[]; rules: string[] } {
  const folders: Folder[] = [];
  const getOrCreate = (title: string, uid: string | undefined): string => {
    const found = folders.find((f) => (uid ? f.uid === uid : f.title === title));
    if (found) return found.uid;
    const created = { uid: uid ?? `generated-${folders.length}`, title };
    folders.push(created);
    return created.uid;
  };
  const dashboards = () => providers.map((p) => getOrCreate(p.folder!, p.folderUid || undefined));
  const rules = () => groups.map((g) => getOrCreate(g.folder, undefined));
  if (alertingFirst) {
    const r = rules();
    return { rules: r, dashboards: dashboards(), folders };
  }
  const d = dashboards();
  return { dashboards: d, rules: rules(), folders };
}

describe('provisioning', () => {
  const datasources = (
    grafanaYaml('provisioning/grafana/datasources/optflow.yaml') as {
      datasources: Array<{ uid: string; type: string; user?: string; jsonData: Record<string, unknown> }>;
    }
  ).datasources;
  const uids = new Set(datasources.map((d) => d.uid));
  const rules = renderedRules();

  test('data sources: the optflow plugin by id and PostgreSQL with TimescaleDB as optflow_reader, fixed uids', () => {
    assert.deepEqual(
      datasources.map((d) => [d.uid, d.type]),
      [
        ['optflow', PLUGIN_IDS[0]],
        ['optflow-postgres', 'grafana-postgresql-datasource'],
      ]
    );
    assert.equal(datasources[0]!.jsonData.apiUrl, 'http://api:3100');
    assert.equal(datasources[1]!.user, 'optflow_reader');
    assert.equal(datasources[1]!.jsonData.timescaledb, true);
  });

  test('dashboards: the JSON files are what src/dashboards writes (npm run dashboards -w provisioning)', () => {
    for (const [path, text] of dashboardFiles()) assert.equal(readFileSync(path, 'utf8'), text, relative(ROOT, path));
  });

  test('dashboards: fixed uids, refresh 5 s where live, variables for underlying and expiration; known data sources and panel types', () => {
    const corePanels = new Set(['timeseries', 'barchart', 'stat', 'table', 'heatmap']);
    for (const [name, d] of Object.entries(DASHBOARDS)) {
      assert.match(d.uid ?? '', /^optflow-/, name);
      for (const panel of d.panels ?? []) {
        const type = panel.type;
        assert.ok(corePanels.has(type) || PLUGIN_IDS.includes(type), `${name}: panel type ${type}`);
        const targets = ((panel as { targets?: Array<{ datasource?: { uid?: string } }> }).targets ?? []).map(
          (t) => t.datasource
        );
        for (const ref of [panel.datasource as { uid?: string } | undefined, ...targets]) {
          if (ref?.uid === '-- Mixed --') continue;
          assert.ok(ref?.uid && uids.has(ref.uid), `${name} / ${panel.title}: data source ${ref?.uid}`);
        }
      }
    }
    for (const d of Object.values(DASHBOARDS)) assert.equal(d.refresh, '5s', d.uid);
    for (const d of [DASHBOARDS['options-flow']!, DASHBOARDS['strike-ladder']!]) {
      assert.deepEqual(
        d.templating?.list?.map((v) => v.name),
        ['underlying', 'expiration']
      );
    }
  });

  test('alert rules: on the PostgreSQL data source, quiet without data, linked to a dashboard panel', () => {
    assert.deepEqual(
      rules.map((r) => r.uid),
      ['optflow-net-volume-1m', 'optflow-net-volume-5m', 'optflow-net-premium-spike']
    );
    for (const rule of rules) {
      assert.equal(rule.noDataState, 'OK', rule.uid);
      for (const q of rule.data)
        assert.ok(q.datasourceUid === '__expr__' || uids.has(q.datasourceUid), `${rule.uid}: ${q.datasourceUid}`);
      const dashboard = Object.values(DASHBOARDS).find((d) => d.uid === rule.annotations.__dashboardUid__);
      assert.ok(
        dashboard?.panels?.some((p) => String(p.id) === rule.annotations.__panelId__),
        `${rule.uid} links to a panel`
      );
      assert.equal(rule.data[0]!.model.format, 'time_series');
    }
  });

  test('folders: the dashboards and the alert rules land in one folder, whichever Grafana provisions first', () => {
    const providers = (
      grafanaYaml('provisioning/grafana/dashboards/optflow.yaml') as {
        providers: Array<{ folder?: string; folderUid?: string }>;
      }
    ).providers;
    const groups = (parse(renderAlerting({}).get('optflow-rules.yaml')!) as { groups: Array<{ folder: string }> })
      .groups;
    for (const alertingFirst of [true, false]) {
      const { folders, dashboards, rules } = provisionFolders(providers, groups, alertingFirst);
      assert.equal(folders.length, 1, `alerting first: ${alertingFirst}; folders ${JSON.stringify(folders)}`);
      assert.deepEqual(new Set([...dashboards, ...rules]), new Set([folders[0]!.uid]));
    }
  });

  test("the PostgreSQL data source's postgresVersion is one its config editor offers", () => {
    // public/app/plugins/datasource/grafana-postgresql-datasource/configuration/ConfigurationEditor.tsx,
    // postgresVersions: 9.0–9.6 as 900–906, then 10–15 as 1000–1500 (it picks the query builder's functions).
    const offered = [900, 901, 902, 903, 904, 905, 906, 1000, 1100, 1200, 1300, 1400, 1500];
    assert.ok(
      offered.includes(datasources[1]!.jsonData.postgresVersion as number),
      `postgresVersion ${String(datasources[1]!.jsonData.postgresVersion)}`
    );
  });

  test('alert thresholds: from the environment with defaults, checked before they reach SQL', () => {
    const rendered = renderAlerting({ OPTFLOW_ALERT_NET_VOLUME_1M: 'SPX=7000, NDX=3000, *=1000' }).get(
      'optflow-rules.yaml'
    )!;
    assert.match(rendered, /string_to_array\('SPX=7000,NDX=3000,\*=1000', ','\)/);
    assert.match(rendered, /string_to_array\('SPX=15000,\*=6000', ','\)/, 'the 5-minute default');
    assert.doesNotMatch(rendered, /%\{/);
    assert.throws(
      () => renderAlerting({ OPTFLOW_ALERT_NET_VOLUME_1M: "SPX=1'); DROP TABLE x; --" }),
      /OPTFLOW_ALERT_NET_VOLUME_1M=".*" is not UNDERLYING=contracts/
    );
    assert.throws(() => renderAlerting({ OPTFLOW_ALERT_PREMIUM_MIN: '1e9' }), /is not dollars/);
    for (const s of ALERT_SETTINGS) {
      assert.ok(
        COMPOSE_TEXT.includes(`${s.name}: \${${s.name}:-${s.default}}`),
        `compose passes ${s.name} with its default`
      );
      assert.equal(ENV_EXAMPLE.get(s.name), s.default, `.env.example shows ${s.name}'s default`);
    }
  });
});

describe('environment variables', () => {
  const OURS = /^(OPTFLOW_\w+|POSTGRES_\w+|GRAFANA_\w+|GF_\w+|DATABASE_URL)$/;
  const files = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      if (['node_modules', 'dist', '.git', '.optflow', 'data', 'test-artifacts'].includes(e.name)) return [];
      const path = join(dir, e.name);
      return e.isDirectory() ? files(path) : [path];
    });
  const all = files('.');
  const used = new Set<string>();
  for (const path of all.filter((f) => /\.(ts|tsx|mts|mjs|js)$/.test(f))) {
    for (const m of read(path).matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) used.add(m[1]!);
  }
  for (const path of [
    'docker-compose.yml',
    'provisioning/grafana/datasources/optflow.yaml',
    'provisioning/alerting/optflow-notifications.yaml',
  ]) {
    for (const m of read(path).matchAll(/\$\{(\w+)/g)) used.add(m[1]!);
  }
  for (const name of Object.keys(grafanaEnv)) used.add(name);
  for (const s of ALERT_SETTINGS) used.add(s.name);
  const ours = [...used].filter((n) => OURS.test(n)).sort();
  const readmes = all
    .filter((f) => f.endsWith('README.md'))
    .map(read)
    .join('\n');
  const documented = new Set(
    [...readmes.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!).filter((n) => OURS.test(n))
  );

  test('each one used is documented in a README', () => {
    assert.deepEqual(
      ours.filter((n) => !documented.has(n)),
      []
    );
  });
  test('each one documented is used', () => {
    assert.deepEqual([...documented].filter((n) => !used.has(n)).sort(), []);
  });
  test('.env.example has exactly the variables docker-compose.yml reads', () => {
    const compose = new Set([...COMPOSE_TEXT.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
    assert.deepEqual([...ENV_EXAMPLE.keys()].sort(), [...compose].sort());
  });
});
