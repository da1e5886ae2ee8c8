// The e2e's child processes: started with their output in files, each pid written to a file
// that run.sh's trap reads, so nothing outlives the run even when the test process dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (signals count as failure, -1). */
  exited: Promise<number>;
  logFile: string;
}

export class Processes {
  private readonly children: Child[] = [];

  constructor(
    readonly workDir: string,
    private readonly pidFile: string,
  ) {}

  start(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
    const logFile = join(this.workDir, `${name}.log`);
    const out = openSync(logFile, 'a');
    const child = spawn(command, args, { cwd: this.workDir, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
    const exited = new Promise<number>((resolve) =>
      child.on('exit', (code) => {
        this.writePids();
        resolve(code ?? -1);
      }),
    );
    const entry = { name, process: child, exited, logFile };
    this.children.push(entry);
    this.writePids();
    return entry;
  }

  /** The pid file lists the children still running, so the trap never signals a reused pid. */
  private writePids(): void {
    const live = this.children.filter((child) => child.process.exitCode === null && child.process.signalCode === null);
    writeFileSync(this.pidFile, live.map((child) => `${child.process.pid}\n`).join(''));
  }

  /** SIGTERM to every child still running, SIGKILL to those still there after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    const alive = this.children.filter((child) => child.process.exitCode === null && child.process.signalCode === null);
    for (const child of alive) child.process.kill('SIGTERM');
    const timer = setTimeout(() => alive.forEach((child) => child.process.kill('SIGKILL')), graceMs);
    await Promise.all(alive.map((child) => child.exited));
    clearTimeout(timer);
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A UDP port free on 127.0.0.1 right now (and its TCP twin too, for Kamailio's and sipp's sockets). */
export async function freeUdpPort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        const { port: bound } = socket.address();
        socket.close(() => resolve(bound));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}

/** Ports a media block may start at: below the kernel's ephemeral range, so that no socket bound to port 0 takes one. */
const mediaPortFloor = 20_000;
const mediaPortCeiling = 32_000;
const mediaBlockSize = 10;
const mediaBlocksHanded = new Set<number>();

/**
 * The first of `mediaBlockSize` consecutive UDP ports free on 127.0.0.1, for a sipp's `-mp`: sipp
 * binds that port and the ones after it (RTP and RTCP, audio and video), so one port drawn at
 * random could land next to another sipp's block. Blocks come from below the ephemeral range,
 * are aligned, and are never handed out twice in one run.
 */
export async function freeMediaPortBlock(): Promise<number> {
  const blocks = (mediaPortCeiling - mediaPortFloor) / mediaBlockSize;
  for (let attempt = 0; attempt < blocks; attempt++) {
    const base = mediaPortFloor + Math.floor(Math.random() * blocks) * mediaBlockSize;
    if (mediaBlocksHanded.has(base)) continue;
    const ports = Array.from({ length: mediaBlockSize }, (_, i) => base + i);
    if ((await Promise.all(ports.map(udpPortFree))).every(Boolean)) {
      mediaBlocksHanded.add(base);
      return base;
    }
  }
  throw new Error(`no block of ${mediaBlockSize} free UDP ports between ${mediaPortFloor} and ${mediaPortCeiling}`);
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * Resolves once something (a sipp just started) has bound this UDP port. Read from the kernel's
 * socket table: probing by binding the port could take it from under the process starting.
 */
export function udpPortBound(port: number): Promise<true> {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  return waitFor(`UDP port ${port} to be bound`, async () => ((await readFile('/proc/net/udp', 'utf8')).includes(local) ? true : undefined));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
