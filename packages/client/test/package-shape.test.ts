// The package as an integrator gets it: packed, installed from the tarball into a project outside
// the workspace, imported and type-checked there. And the library entry stays browser-safe.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

describe('the library entry point', () => {
  it('imports no Node-only module, directly or through its own modules', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, specifier] of source.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)) {
        if (!specifier) continue;
        if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else external.add(specifier);
      }
    };
    visit(join(packageDir, 'src', 'index.ts'));
    expect([...external]).toEqual(['openapi-fetch']);
  });
});

describe('the packed package, installed outside the workspace', () => {
  let project: string;

  beforeAll(() => {
    if (!existsSync(join(packageDir, 'dist', 'index.js'))) throw new Error('build @sbc/client first (turbo does before test)');
    project = mkdtempSync(join(tmpdir(), 'sbc-client-consumer-'));
    execFileSync('pnpm', ['pack', '--pack-destination', project], { cwd: packageDir, stdio: 'pipe', timeout: 60_000 });
    const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('pnpm pack wrote no tarball');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', `./${tarball}`], {
      cwd: project,
      stdio: 'pipe',
      timeout: 120_000,
    });
  }, 200_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('ships only dist, bin, README, CHANGELOG, LICENSE and package.json', () => {
    const installed = join(project, 'node_modules', '@sbc', 'client');
    expect(readdirSync(installed).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
  });

  it('has declarations that do not refer to the private @sbc/contract package', () => {
    const dist = join(project, 'node_modules', '@sbc', 'client', 'dist');
    const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    expect(declarations).toContain('index.d.ts');
    for (const file of declarations) expect(readFileSync(join(dist, file), 'utf8')).not.toContain('@sbc/contract');
  });

  it('imports and works in Node', () => {
    const script = `
      import { createSbcClient, SbcApiError } from '@sbc/client';
      const client = createSbcClient({
        baseUrl: 'http://sbc.test',
        token: 't',
        fetch: async (request) => Response.json({ callId: decodeURIComponent(new URL(request.url).pathname.split('/').pop()) }),
      });
      const session = await client.getSession('a/b@c');
      console.log(session.callId, typeof SbcApiError);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8', timeout: 30_000 });
    expect(out.trim()).toBe('a/b@c function');
  }, 30_000);

  it('type-checks a consumer written against the generated types', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023', 'DOM'], noEmit: true, skipLibCheck: false, types: [] },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { createSbcClient, SbcApiError, type IngestReport, type Session, type SessionList } from '@sbc/client';
const client = createSbcClient({ baseUrl: 'http://127.0.0.1:8080', token: 'secret', retries: { attempts: 3 } });
export const one: Promise<Session> = client.getSession('56375632547476357536@23.34.33.74');
export const list: Promise<SessionList> = client.listSessions({ live: true, direction: 'I', limit: 50 });
export const batch: IngestReport[] = [{ callId: 'a@b', started: '2026-01-01T12:00:00.000Z' }];
// @ts-expect-error a batch report must name its callId
export const nameless: IngestReport = { started: '2026-01-01T12:00:00.000Z' };
// @ts-expect-error direction is I or O
client.listSessions({ direction: 'X' });
export async function watch(): Promise<void> {
  for await (const event of client.events({ types: ['started'] })) {
    if (event.type === 'terminate') console.log(event.sbcServer);
    else console.log(event.session.callId);
  }
}
export const raw = client.api.GET('/sbc/session/{id}', { params: { path: { id: 'a@b' } } }).then(({ data }) => data?.callId);
export const isApiError = (e: unknown): number | undefined => (e instanceof SbcApiError ? e.status : undefined);
`,
    );
    const result = (() => {
      try {
        return execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', timeout: 60_000 });
      } catch (error) {
        return (error as { stdout?: string }).stdout ?? String(error);
      }
    })();
    expect(result).toBe('');
  }, 90_000);

  it('runs its sbc command line', () => {
    const out = execFileSync(process.execPath, [join(project, 'node_modules', '.bin', 'sbc'), '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(out).toContain('sbc get <callId>');
  }, 30_000);
});
