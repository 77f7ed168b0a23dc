/** The machine a bench ran on and the versions of the tools it compared, for the results file. */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { execa } from 'execa';

export interface MachineFacts {
  cpuModel: string | null;
  cores: number;
  memoryBytes: number;
  kernel: string;
  os: string | null;
  node: string;
  partclone: string | null;
  zstd: string | null;
  /** 1-minute load average when the bench started: other work on the machine makes timings noisy. */
  loadAverageAtStart: number;
}

async function firstLine(command: string, args: string[], pattern: RegExp): Promise<string | null> {
  const { stdout, stderr } = await execa(command, args, { reject: false });
  return pattern.exec(`${stdout}\n${stderr}`)?.[1] ?? null;
}

export async function machineFacts(): Promise<MachineFacts> {
  const release = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return {
    cpuModel: os.cpus()[0]?.model ?? null,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? null,
    node: process.version,
    partclone: await firstLine('partclone.ext4', ['--version'], /Partclone\s*:\s*(v[\d.]+)/),
    zstd: await firstLine('zstd', ['--version'], /(v[\d.]+)/),
    loadAverageAtStart: os.loadavg()[0] ?? 0,
  };
}
