/**
 * Benchmark: the live rescue image (dist/lifeboat-live.iso, built by `npm run build:live`): its
 * size, and how long a PC takes from power-on to the first frame of the terminal UI on the serial
 * console, over LIFEBOAT_BENCH_BOOTS boots (default 3) each under SeaBIOS and OVMF, in QEMU's
 * software emulation (TCG; KVM is not reliable on our machines, so one KVM boot is reported apart,
 * for information, when /dev/kvm opens). The PC boots the ISO as a CD with one blank virtio disk.
 * Milestones read from the serial port: GRUB's menu ("GNU GRUB"), GRUB starting the default entry
 * after its 3 s timeout ("Booting `Lifeboat'", from where it loads the kernel and initramfs; the
 * kernel boots quiet and prints nothing), Lifeboat clearing the screen (its process has started),
 * and the first frame ("What do you want to do?"). Writes bench/results/<date>-live-boot.json.
 */
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, OVMF_CODE, visible, type Firmware } from '../test/helpers/qemu-machine.js';
import { machineFacts } from './machine-facts.js';
import { spread, type Spread } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const iso = path.join(root, 'dist/lifeboat-live.iso');
const boots = Number(process.env['LIFEBOAT_BENCH_BOOTS'] ?? 3);
/** Beyond this a boot counts as failed (TCG on two loaded cores needs 60-120 s). */
const BOOT_LIMIT_MS = 300_000;
/** KVM boots in seconds where it works; here it has taken 80 s to reach GRUB and never the UI. */
const KVM_LIMIT_MS = 180_000;

const MILESTONES = {
  grubMenu: /GNU GRUB/,
  grubBoots: /Booting `Lifeboat'/,
  // run-tui clears the screen before its first render; GRUB and OVMF clear it differently.
  lifeboatStarts: /Booting `Lifeboat'[\s\S]*?\x1b\[2J\x1b\[H/,
  firstFrame: /What do you want to do\?/,
} as const;
type Milestone = keyof typeof MILESTONES;
type Boot = Record<Milestone, number | null>;

const LABELS: Record<Milestone, string> = {
  grubMenu: 'GRUB menu',
  grubBoots: 'GRUB starts the entry',
  lifeboatStarts: 'Lifeboat starts (clears the screen)',
  firstFrame: 'first TUI frame',
};

/** One power-on to the first frame; milestones in ms after QEMU started, null when not seen. */
async function bootOnce(firmware: Firmware, accel: 'tcg' | 'kvm', workDir: string): Promise<Boot> {
  const disk = path.join(workDir, 'blank.img');
  await writeFile(disk, '');
  await truncate(disk, 64 * 1024 * 1024);
  const machine = await Machine.start({ firmware, accel, cdrom: iso, workDir, disks: [{ file: disk }] });
  const limitMs = accel === 'kvm' ? KVM_LIMIT_MS : BOOT_LIMIT_MS;
  try {
    await machine.waitFor(MILESTONES.firstFrame, limitMs);
  } catch (error) {
    process.stderr.write(`${firmware}/${accel}: no first frame within ${limitMs / 1000} s. Serial tail:\n${visible(machine.serial.slice(-1500))}\n`);
    if (accel === 'tcg') throw error;
  } finally {
    await machine.kill();
  }
  const boot = Object.fromEntries((Object.keys(MILESTONES) as Milestone[]).map((key) => [key, machine.seenAtMs(MILESTONES[key])])) as Boot;
  process.stderr.write(`${firmware}/${accel}: ${(Object.keys(boot) as Milestone[]).map((key) => `${key} ${seconds(boot[key])}`).join(', ')}\n`);
  return boot;
}

function seconds(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

function cell(s: Spread | null): string {
  if (s === null) return 'n/a';
  return `${(s.median / 1000).toFixed(1)} s (${(s.min / 1000).toFixed(1)}-${(s.max / 1000).toFixed(1)})`;
}

function milestoneSpreads(samples: Boot[]): Record<Milestone, Spread | null> {
  return Object.fromEntries(
    (Object.keys(MILESTONES) as Milestone[]).map((key) => {
      const values = samples.map((b) => b[key]).filter((v): v is number => v !== null);
      return [key, values.length === samples.length ? spread(values) : null];
    }),
  ) as Record<Milestone, Spread | null>;
}

async function kvmUsable(): Promise<boolean> {
  return access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
}

async function main(): Promise<void> {
  const isoBytes = (await stat(iso).catch(() => null))?.size;
  if (isoBytes === undefined) throw new Error(`${iso} is missing; run \`npm run build:live\` first.`);
  const firmwares: Firmware[] = (await access(OVMF_CODE).then(
    () => true,
    () => false,
  ))
    ? ['bios', 'uefi']
    : ['bios'];
  if (firmwares.length === 1) process.stderr.write(`${OVMF_CODE} is missing (apt-get install ovmf): UEFI boots are left out.\n`);
  const facts = await machineFacts();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-live-'));
  try {
    const tcg: Partial<Record<Firmware, Boot[]>> = {};
    for (const firmware of firmwares) {
      const samples: Boot[] = [];
      for (let i = 0; i < boots; i++) samples.push(await bootOnce(firmware, 'tcg', workDir));
      tcg[firmware] = samples;
    }
    const kvm = (await kvmUsable()) ? await bootOnce('bios', 'kvm', workDir) : null;

    const name = (firmware: Firmware) => (firmware === 'bios' ? 'SeaBIOS' : 'OVMF (UEFI)');
    const lines = [
      `Live image ${path.relative(root, iso)}: ${(isoBytes / 1048576).toFixed(1)} MiB. Power-on to first TUI frame on the serial console, QEMU TCG (q35, 2 vCPUs, 2 GiB), ${boots} boots each, median (min-max); ${facts.cores} cores, load ${facts.loadAverageAtStart.toFixed(2)} at start`,
      '',
      `| firmware | ${(Object.keys(MILESTONES) as Milestone[]).map((key) => LABELS[key]).join(' | ')} |`,
      `| --- | ${(Object.keys(MILESTONES) as Milestone[]).map(() => '---').join(' | ')} |`,
      ...firmwares.map((firmware) => {
        const spreads = milestoneSpreads(tcg[firmware] ?? []);
        return `| ${name(firmware)} | ${(Object.keys(MILESTONES) as Milestone[]).map((key) => cell(spreads[key])).join(' | ')} |`;
      }),
      '',
      kvm === null
        ? 'KVM: /dev/kvm cannot be opened here; no KVM boot.'
        : `For information, one SeaBIOS boot with KVM (not reliable here; n/a: not within ${KVM_LIMIT_MS / 1000} s): ${(Object.keys(MILESTONES) as Milestone[]).map((key) => `${LABELS[key]} ${seconds(kvm[key])}`).join(', ')}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);

    const resultsDir = path.join(root, 'bench/results');
    await mkdir(resultsDir, { recursive: true });
    const date = new Date().toISOString().slice(0, 10);
    const file = path.join(resultsDir, `${date}-live-boot.json`);
    const results = {
      date,
      machine: { ...facts, loadAverageAtEnd: os.loadavg()[0] ?? 0 },
      isoBytes,
      boots,
      tcg,
      tcgSpreads: Object.fromEntries(firmwares.map((f) => [f, milestoneSpreads(tcg[f] ?? [])])),
      kvm,
    };
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${path.relative(root, file)}`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
