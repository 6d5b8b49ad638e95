import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, settings } from '../../src/config/index.js';

/**
 * compose.yaml and config.env.example as files: valid by the compose specification (the
 * schema docker compose validates against) and laid out as docs/deployment.md describes.
 * test/container/compose.test.ts runs them.
 */

const path = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url));

interface Service {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly env_file?: string;
  readonly depends_on?: Record<string, { condition: string }>;
  readonly ports?: readonly string[];
  readonly volumes?: readonly string[];
  readonly tmpfs?: string;
  readonly healthcheck?: { test: readonly string[] };
  readonly restart?: string;
  readonly stop_grace_period?: string;
}

const compose = parse(readFileSync(path('compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;
const nodes = Object.entries(services).filter(([, service]) => service.command?.[0] === 'serve');
const roleOf = (service: Service) => service.command![service.command!.indexOf('--role') + 1];

describe('compose.yaml', () => {
  it('is valid by the compose specification', () => {
    const linter = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] });
    // dclint's declarations import without file extensions, which NodeNext cannot follow: typed here.
    const results: { messages: { type: string; message: string }[] }[] = linter.lintFiles([path('compose.yaml')], false);
    const errors = results.flatMap((result) => result.messages.filter((message) => message.type === 'error'));
    expect(errors).toEqual([]);
  });

  it('runs PostgreSQL on a named volume, with a health check', () => {
    const postgres = services.postgres!;
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(compose.volumes).toHaveProperty('postgres-data');
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('migrates once, after PostgreSQL is healthy, and starts every node only after the migration succeeded', () => {
    expect(services.migrate).toMatchObject({ command: ['migrate'], restart: 'no', depends_on: { postgres: { condition: 'service_healthy' } } });
    for (const [, node] of nodes) expect(node.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
  });

  it('runs two scheduler nodes and one API node of the same image, each with a name of its own', () => {
    expect(nodes.map(([, node]) => roleOf(node)).sort()).toEqual(['api', 'scheduler', 'scheduler']);
    const images = new Set([services.migrate!, ...nodes.map(([, node]) => node)].map((service) => service.image));
    expect(images.size).toBe(1);
    const names = nodes.map(([, node]) => node.command![node.command!.indexOf('--node-id') + 1]);
    expect(new Set(names).size).toBe(nodes.length);
  });

  it('gives the nodes on PostgreSQL no volume at /data, where the image keeps the embedded store', () => {
    for (const service of [services.migrate!, ...nodes.map(([, node]) => node)]) {
      expect(service.tmpfs).toBe('/data');
      expect(service.volumes).toBeUndefined();
    }
  });

  it('has every service read config.env', () => {
    for (const service of Object.values(services)) expect(service.env_file).toBe('config.env');
  });

  it('publishes the API node alone, on 127.0.0.1 only', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'api') expect(service.ports).toEqual(['127.0.0.1:${JOBSCHEDULER_PORT:-8080}:8080']);
      else expect(service.ports).toBeUndefined();
    }
  });

  it('gives each node longer to stop than its shutdown grace', () => {
    for (const [, node] of nodes) {
      expect(Number.parseInt(node.stop_grace_period!, 10) * 1000).toBeGreaterThan(settings.shutdownGraceMs.default);
    }
  });
});

describe('config.env.example', () => {
  const example = parseEnv(readFileSync(path('config.env.example'), 'utf8'));

  it('is a valid configuration for the nodes, with API keys for the API node', () => {
    const config = loadConfig({ env: {}, file: path('config.env.example') });
    expect(config.databaseUrl).toContain('@postgres:5432/');
    expect(config.apiKeys.length).toBeGreaterThan(0);
  });

  it('gives the database the same user, password and name that DATABASE_URL uses', () => {
    const url = new URL(example.DATABASE_URL!);
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([example.POSTGRES_USER, example.POSTGRES_PASSWORD, example.POSTGRES_DB]);
  });
});
