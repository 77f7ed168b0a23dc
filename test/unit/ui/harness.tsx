/**
 * Shared pieces of the terminal UI's tests: disks from the captured /sys trees, small image files
 * with real GPT tables and ext4 filesystems standing in for disks (no root needed: the engine reads
 * and writes image files like disks), the real backend with its disk list replaced, key codes as
 * a terminal sends them, and the checks every screen must pass on an 80x25 Linux console.
 */
import { readFileSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { render } from 'ink-testing-library';
import { expect } from 'vitest';
import type { ListedDisk } from '../../../recovery/disks/disk-table.js';
import { inspectDisks, type InspectedDisk } from '../../../recovery/disks/inspect-disks.js';
import { openImageFile } from '../../../recovery/disks/open-disk.js';
import { capture } from '../../../recovery/pipeline/capture.js';
import { withHelper } from '../../../recovery/helper/helper-client.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';
import { App, type AppProps } from '../../../recovery/ui/App.js';
import type { AppExit } from '../../../recovery/ui/app-context.js';
import { realBackend } from '../../../recovery/ui/backend/real-backend.js';
import type { TuiBackend } from '../../../recovery/ui/backend/types.js';
import { seededBytes } from '../../helpers/populate-fs.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/sysroot');
const MiB = 1024 * 1024;

export function fixtureDisks(name: 'usb-stick' | 'laptop-sata-nvme' | 'lvm-server'): HelperDisk[] {
  return (JSON.parse(readFileSync(path.join(FIXTURES, name, 'expected.json'), 'utf8')) as { disks: HelperDisk[] }).disks;
}

/** Key presses as a terminal sends them. */
export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  end: '\u001B[F',
  home: '\u001B[H',
  enter: '\r',
  escape: '\u001B',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
  backspace: '\u007F',
  tab: '\t',
  space: ' ',
} as const;

/** The real backend (safety rules, engine, repositories) with the disk list given by the test. */
export function testBackend(disks: () => Promise<ListedDisk[]> | ListedDisk[], overrides: Partial<TuiBackend> = {}): TuiBackend {
  return { ...realBackend({}), loadDisks: async () => disks(), ...overrides };
}

export interface Driven {
  frame: () => string;
  /** Every frame Ink has written so far, in order (one per render). */
  frames: () => readonly string[];
  press: (...keys: string[]) => Promise<void>;
  type: (text: string) => Promise<void>;
  /** Moves the highlight (the line starting "> ") onto the list line containing `text`, from the top. */
  highlight: (text: string) => Promise<string>;
  /** Polls until the frame matches; the deadline is generous (a loaded machine is slow, never wrong). */
  waitFor: (what: string | RegExp | ((frame: string) => boolean), timeoutMs?: number) => Promise<string>;
  /** How the app ended, if it did. */
  exited: () => AppExit | null;
  unmount: () => void;
}

/**
 * Lets the app finish what a key or a render set in motion, by event-loop turns instead of a time:
 * Ink renders a key's update at once (React's legacy root), and React runs the effects that attach
 * the next screen's key handlers in a setImmediate callback, so after a few turns of our own they
 * have run, however slow the machine.
 */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Renders the app and gives the test a keyboard and a patient eye. */
export function drive(props: AppProps): Driven {
  let exitValue: AppExit | null = null;
  const { lastFrame, frames, stdin, unmount } = render(
    <App
      {...props}
      onExit={(how) => {
        exitValue = how;
      }}
    />,
  );
  const frame = () => lastFrame() ?? '';
  const waitFor: Driven['waitFor'] = async (what, timeoutMs = 120_000) => {
    const test = typeof what === 'function' ? what : (text: string) => (typeof what === 'string' ? text.includes(what) : what.test(text));
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (test(frame())) {
        // A screen is drawn before its key handlers are attached (they are effects): let them attach.
        await settle();
        return frame();
      }
      await sleep(20);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for the screen to show ${String(what)}; the screen was:\n${frame()}`);
  };
  return {
    frame,
    frames: () => frames,
    waitFor,
    async press(...keys) {
      for (const key of keys) {
        stdin.write(key);
        await settle();
      }
    },
    async type(text) {
      stdin.write(text);
      await settle();
    },
    async highlight(text) {
      stdin.write(KEY.home);
      await settle();
      for (let i = 0; i < 40; i++) {
        const line = /^> .*$/m.exec(frame())?.[0] ?? '';
        if (line.includes(text)) return frame();
        stdin.write(KEY.down);
        await settle();
      }
      throw new Error(`no list line contains "${text}":\n${frame()}`);
    },
    exited: () => exitValue,
    unmount,
  };
}

/** What an 80x25 Linux console can show: at most 80 columns, 23 lines (so Ink never clears the screen), ASCII only. */
export function expectFitsConsole(frame: string): void {
  const lines = frame.split('\n');
  expect(lines.length, frame).toBeLessThanOrEqual(23);
  for (const line of lines) expect(line.length, `too wide: "${line}"`).toBeLessThanOrEqual(80);
  expect(/^[\x20-\x7e\n]*$/.test(frame), `not ASCII:\n${frame}`).toBe(true);
}

export interface ImageDisk {
  file: string;
  disk: HelperDisk;
}

/**
 * A small disk image: GPT with one ext4 partition (1 MiB to 15 MiB) filled from a directory of
 * seeded files by mke2fs -d, so nothing needs mounting or root.
 */
export async function imageWithExt4(dir: string, name: string, seed = 1): Promise<ImageDisk> {
  const file = path.join(dir, `${name}.img`);
  const stage = path.join(dir, `${name}-files`);
  await mkdir(path.join(stage, 'docs'), { recursive: true });
  await writeFile(path.join(stage, 'readme.txt'), `disk ${name}\n`);
  for (let i = 0; i < 6; i++) await writeFile(path.join(stage, 'docs', `file-${i}.bin`), seededBytes(seed * 100 + i, 150_000 + i * 7_001));
  await writeFile(file, '');
  await truncate(file, 16 * MiB);
  await execa('sfdisk', ['-q', file], { input: 'label: gpt\nstart=2048, size=28672, type=linux, name="data"\n' });
  await execa('mkfs.ext4', ['-q', '-F', '-E', `offset=${MiB}`, '-d', stage, '-L', name, file, '14M']);
  return { file, disk: imageDiskFacts(file, name, 16 * MiB, [{ number: 1, startBytes: MiB, sizeBytes: 14 * MiB }]) };
}

/** An empty image file of `sizeBytes` standing in for a blank disk. */
export async function blankImage(dir: string, name: string, sizeBytes = 16 * MiB): Promise<ImageDisk> {
  const file = path.join(dir, `${name}.img`);
  await writeFile(file, '');
  await truncate(file, sizeBytes);
  return { file, disk: imageDiskFacts(file, name, sizeBytes, []) };
}

/** What the helper would say about a loop device holding `file` (the path stays the file's own). */
export function imageDiskFacts(
  file: string,
  name: string,
  sizeBytes: number,
  partitions: Array<{ number: number; startBytes: number; sizeBytes: number }>,
): HelperDisk {
  return {
    name,
    path: file,
    major: 7,
    minor: 999,
    sizeBytes,
    logicalSectorSize: 512,
    physicalSectorSize: 512,
    model: `Test disk ${name}`,
    vendor: null,
    serial: `SERIAL-${name}`,
    wwn: null,
    transport: 'loop',
    removable: false,
    rotational: false,
    readOnly: false,
    discardGranularityBytes: 0,
    discardMaxBytes: 0,
    loopBackingFile: null,
    partitionTableType: partitions.length > 0 ? 'gpt' : null,
    partitions: partitions.map((p) => ({
      name: `${name}p${p.number}`,
      path: `${file}:p${p.number}`,
      major: 7,
      minor: 1000 + p.number,
      number: p.number,
      startBytes: p.startBytes,
      sizeBytes: p.sizeBytes,
      type: '0fc63daf-8483-4772-8e79-3d69d8477de4',
      uuid: null,
      label: 'data',
      readOnly: false,
      mountpoints: [],
      holders: [],
    })),
    mountpoints: [],
    holders: [],
    isSystem: false,
    isBootMedium: false,
  };
}

/** The disks read the way the app reads them (partition tables and filesystems), through the real helper. */
export async function inspected(disks: HelperDisk[]): Promise<InspectedDisk[]> {
  return withHelper({}, (helper) => inspectDisks(disks, helper));
}

/** A repository with one snapshot of `file`, made by the engine directly (for screens that start from an image). */
export async function repositoryOf(file: string, repoDir: string, note: string | null = null): Promise<void> {
  const source = await openImageFile(file);
  try {
    await capture({ repoDir, source, level: 1, note, threads: 1 });
  } finally {
    await source.close();
  }
}
