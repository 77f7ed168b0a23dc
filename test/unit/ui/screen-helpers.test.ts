import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../recovery/pipeline/progress.js';
import { findRepositories } from '../../../recovery/ui/backend/find-repositories.js';
import { isLiveSystem, powerCommand } from '../../../recovery/ui/backend/live-system.js';
import { diskLine, partitionLine } from '../../../recovery/ui/disk-choices.js';
import { ASCII_GLYPHS, chooseGlyphs, UNICODE_GLYPHS } from '../../../recovery/ui/glyphs.js';
import { sideBySide } from '../../../recovery/ui/plan-layout.js';
import { bar, overallFraction, stepOf } from '../../../recovery/ui/progress-text.js';
import { deviceRefusal, diskHoldingPath } from '../../../recovery/ui/safety.js';
import { fixtureDisks } from './harness.js';

function event(phase: ProgressEvent['phase'], bytesDone: number, bytesTotal: number): ProgressEvent {
  return { operation: 'restore', phase, item: null, bytesDone, bytesTotal, rateBytesPerSecond: 0, etaSeconds: null, elapsedSeconds: 0 };
}

describe('the glyphs follow what the terminal can draw', () => {
  it('uses ASCII on the Linux console, serial terminals, dumb terminals and the classic Windows console', () => {
    for (const term of ['linux', 'vt100', 'vt220', 'dumb', '']) expect(chooseGlyphs({ TERM: term, LANG: 'en_US.UTF-8' }, 'linux')).toBe(ASCII_GLYPHS);
    expect(chooseGlyphs({}, 'win32')).toBe(ASCII_GLYPHS);
    expect(chooseGlyphs({ TERM: 'xterm-256color', LANG: 'C' }, 'linux')).toBe(ASCII_GLYPHS);
  });

  it('uses Unicode in a UTF-8 terminal emulator and Windows Terminal, and obeys LIFEBOAT_ASCII', () => {
    expect(chooseGlyphs({ TERM: 'xterm-256color', LANG: 'en_US.UTF-8' }, 'linux')).toBe(UNICODE_GLYPHS);
    expect(chooseGlyphs({ TERM: 'tmux-256color', LC_ALL: 'C.utf8' }, 'linux')).toBe(UNICODE_GLYPHS);
    expect(chooseGlyphs({ WT_SESSION: 'abc' }, 'win32')).toBe(UNICODE_GLYPHS);
    expect(chooseGlyphs({ TERM: 'xterm', LANG: 'en_US.UTF-8', LIFEBOAT_ASCII: '1' }, 'linux')).toBe(ASCII_GLYPHS);
    expect(chooseGlyphs({ TERM: 'linux', LIFEBOAT_ASCII: '0' }, 'linux')).toBe(UNICODE_GLYPHS);
  });

  it('ASCII glyphs are plain printable ASCII', () => {
    const all = [
      ASCII_GLYPHS.pointer,
      ASCII_GLYPHS.barFilled,
      ASCII_GLYPHS.barEmpty,
      ASCII_GLYPHS.rule,
      ASCII_GLYPHS.moreAbove,
      ASCII_GLYPHS.moreBelow,
      ...ASCII_GLYPHS.spinner,
    ].join('');
    expect(/^[\x20-\x7e]+$/.test(all)).toBe(true);
  });
});

describe('progress as bars and steps', () => {
  it('draws a bar of the given width that never overflows', () => {
    expect(bar(0.5, 10, ASCII_GLYPHS)).toBe('[#####.....]');
    expect(bar(1.7, 4, ASCII_GLYPHS)).toBe('[####]');
    expect(bar(Number.NaN, 4, ASCII_GLYPHS)).toBe('[....]');
  });

  it('counts a restore with precheck, data and read-back as three equal steps; short phases belong to the step before', () => {
    const planned = ['precheck', 'data', 'readback'] as const;
    expect(overallFraction(event('precheck', 50, 100), planned)).toBeCloseTo(1 / 6);
    expect(overallFraction(event('clear', 0, 0), planned)).toBeCloseTo(1 / 3);
    expect(overallFraction(event('data', 50, 100), planned)).toBeCloseTo(1 / 2);
    expect(overallFraction(event('table', 0, 0), planned)).toBeCloseTo(2 / 3);
    expect(overallFraction(event('readback', 100, 100), planned)).toBe(1);
    expect(stepOf(event('clear', 0, 0), planned)).toEqual({ number: 1, count: 3 });
    expect(stepOf(event('flush', 0, 0), planned)).toEqual({ number: 2, count: 3 });
    expect(stepOf(event('readback', 1, 2), planned)).toEqual({ number: 3, count: 3 });
  });
});

describe('disk lines and the plan fit 80 columns', () => {
  it('every disk and partition line of every fixture fits, with the flags kept whole', () => {
    for (const name of ['usb-stick', 'laptop-sata-nvme', 'lvm-server'] as const) {
      for (const disk of fixtureDisks(name)) {
        expect(diskLine(disk).length).toBeLessThanOrEqual(78);
        for (const part of disk.partitions) expect(partitionLine(part).length).toBeLessThanOrEqual(78);
      }
    }
    const stick = fixtureDisks('usb-stick').find((d) => d.name === 'sdb');
    expect(diskLine(stick!)).toMatch(/boot medium, mounted, removable$/);
  });

  it('puts the old layout and the new one side by side, cutting what does not fit', () => {
    const lines = sideBySide(['Now:', `  1  ${'x'.repeat(60)}`], ['After:', '  1  ext4']);
    expect(lines[0]).toBe(`${'Now:'.padEnd(39)} After:`);
    expect(lines[1]?.length).toBeLessThanOrEqual(80);
    expect(lines[1]).toContain('~    1  ext4');
  });
});

describe('the UI part of the safety rules', () => {
  const stick = fixtureDisks('usb-stick');

  it('finds the disk holding a folder by the longest mount point, FUSE mounts included', () => {
    expect(diskHoldingPath(stick, '/run/live/medium/images/pc')?.disk.path).toBe('/dev/sdb');
    expect(diskHoldingPath(stick, '/mnt/share/x')?.partitionPath).toBe('/dev/vda5');
    expect(diskHoldingPath(stick, '/mnt/sharepoint')).toBeNull();
    expect(diskHoldingPath(stick, '/srv')).toBeNull();
  });

  it('refuses a disk without medium and a write-protected one', () => {
    expect(deviceRefusal(stick.find((d) => d.name === 'sdc')!, null)).toBe('/dev/sdc has no medium (an empty card reader or drive).');
    const sd = stick.find((d) => d.name === 'mmcblk0')!;
    expect(deviceRefusal(sd, sd.partitions[0]!)).toBe('/dev/mmcblk0p1 is read-only (a write-protect switch, or a read-only device).');
    expect(deviceRefusal(stick.find((d) => d.name === 'vda')!, null)).toBeNull();
  });
});

describe('the live system and its power menu', () => {
  it('is live only with the marker file or LIFEBOAT_LIVE=1, and LIFEBOAT_LIVE=0 wins over the file', () => {
    expect(isLiveSystem({}, () => false)).toBe(false);
    expect(isLiveSystem({}, (file) => file === '/etc/lifeboat-live')).toBe(process.platform !== 'win32');
    expect(isLiveSystem({ LIFEBOAT_LIVE: '1' }, () => false)).toBe(true);
    expect(isLiveSystem({ LIFEBOAT_LIVE: '0' }, () => true)).toBe(false);
  });

  it('reboots and powers off with wpeutil in WinPE and reboot/poweroff on Linux', () => {
    expect(powerCommand('reboot', 'linux')).toEqual(['reboot', []]);
    expect(powerCommand('poweroff', 'linux')).toEqual(['poweroff', []]);
    expect(powerCommand('poweroff', 'win32')).toEqual(['wpeutil', ['shutdown']]);
  });
});

describe('finding repositories on a mounted filesystem', () => {
  it('finds them at the top and two levels down, not deeper, and counts their snapshots', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ui-find-'));
    try {
      const make = async (dir: string, snapshots: number) => {
        await mkdir(path.join(dir, 'snapshots'), { recursive: true });
        await writeFile(path.join(dir, 'repository.json'), '{}');
        for (let i = 0; i < snapshots; i++) await writeFile(path.join(dir, 'snapshots', `20250101T00000${i}Z-000000000000000${i}.snapshot`), '');
      };
      await make(path.join(root, 'a'), 2);
      await make(path.join(root, 'b', 'c'), 0);
      await make(path.join(root, 'd', 'e', 'too-deep'), 1);
      const found = await findRepositories([root, path.join(root, 'missing')]);
      expect(found).toEqual([
        { dir: path.join(root, 'a'), snapshotCount: 2 },
        { dir: path.join(root, 'b', 'c'), snapshotCount: 0 },
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
