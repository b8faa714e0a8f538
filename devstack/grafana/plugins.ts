/**
 * The few data source plugins the emulator knows by name. Grafana does not
 * reject unknown types on create; it just has no logo or display name for them.
 */
interface PluginInfo {
  name: string;
  logo: string;
  /** Update rejects an empty url for these types (spec §2.6). */
  requiresUrl: boolean;
}

const core = (id: string, name: string, logo: string, requiresUrl = true): [string, PluginInfo] => [
  id,
  { name, logo: `public/app/plugins/datasource/${id}/img/${logo}`, requiresUrl },
];

const PLUGINS = new Map<string, PluginInfo>([
  core('prometheus', 'Prometheus', 'prometheus_logo.svg'),
  core('loki', 'Loki', 'loki_icon.svg'),
  core('graphite', 'Graphite', 'graphite_logo.png'),
  core('influxdb', 'InfluxDB', 'influxdb_logo.svg'),
  core('elasticsearch', 'Elasticsearch', 'elasticsearch.svg'),
  core('alertmanager', 'Alertmanager', 'logo.svg'),
  core('jaeger', 'Jaeger', 'jaeger_logo.svg'),
  core('tempo', 'Tempo', 'tempo_logo.svg'),
  core('zipkin', 'Zipkin', 'zipkin-logo.svg'),
  core('opentsdb', 'OpenTSDB', 'opentsdb_logo.png'),
  core('mysql', 'MySQL', 'mysql_logo.svg'),
  core('grafana-postgresql-datasource', 'PostgreSQL', 'postgresql_logo.svg'),
  core('mssql', 'Microsoft SQL Server', 'sql_server_logo.svg'),
  core('grafana-testdata-datasource', 'TestData', 'testdata.svg', false),
]);

/** Legacy plugin ids that Grafana resolves to the canonical id on save. */
const ALIASES = new Map([
  ['postgres', 'grafana-postgresql-datasource'],
  ['testdata', 'grafana-testdata-datasource'],
]);

export const canonicalType = (type: string): string => ALIASES.get(type) ?? type;

export const typeName = (type: string): string => PLUGINS.get(type)?.name ?? type;

export const typeLogoUrl = (type: string): string =>
  PLUGINS.get(type)?.logo ?? 'public/img/icn-datasource.svg';

export const requiresUrl = (type: string): boolean => PLUGINS.get(canonicalType(type))?.requiresUrl ?? false;
