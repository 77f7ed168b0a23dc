/**
 * A virtual PC for the live image's boot tests: qemu-system-x86_64 under software emulation
 * (KVM is not reliable on our machines), BIOS (SeaBIOS) or UEFI (OVMF), with the serial port
 * piped to the test so it can read what the machine prints and type on its console.
 */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export type Firmware = 'bios' | 'uefi';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface MachineDisk {
  file: string;
  readOnly?: boolean;
  /** virtio (default: /dev/vdX in the guest) or a USB stick (usb-storage: /dev/sdX). */
  bus?: 'virtio' | 'usb';
}

export interface MachineOptions {
  firmware: Firmware;
  /** Boot from this ISO as a CD, or from the first disk when absent. */
  cdrom?: string;
  disks: MachineDisk[];
  /** A directory for the UEFI variable store copy. */
  workDir: string;
  memoryMiB?: number;
  /** Software emulation (default: the only one that is reliable here) or KVM, for information. */
  accel?: 'tcg' | 'kvm';
  /** A network card on QEMU's user-mode network, whose DHCP server hands out 10.0.2.15. */
  network?: boolean;
}

export class Machine {
  private output = '';
  private readonly waiters: Array<() => void> = [];
  /** When each piece of serial output arrived: its end offset in `output` and ms since start. */
  private readonly arrivals: Array<{ end: number; atMs: number }> = [];
  readonly startedMs = Date.now();

  private constructor(private readonly child: ResultPromise<{ reject: false; buffer: false }>) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('latin1');
      this.arrivals.push({ end: this.output.length, atMs: Date.now() - this.startedMs });
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('latin1');
      this.arrivals.push({ end: this.output.length, atMs: Date.now() - this.startedMs });
    });
  }

  static async start(options: MachineOptions): Promise<Machine> {
    const accel = options.accel ?? 'tcg';
    // KVM with QEMU's default CPU model warns about features the host lacks: pass the host's own.
    const args = [
      '-machine',
      'q35',
      '-accel',
      accel,
      ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
      '-smp',
      '2',
      '-m',
      String(options.memoryMiB ?? 2048),
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-no-reboot',
      '-nic',
      options.network ? 'user,model=virtio-net-pci' : 'none',
    ];
    if (options.firmware === 'uefi') {
      const vars = path.join(options.workDir, 'OVMF_VARS.fd');
      await copyFile(OVMF_VARS, vars);
      args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
    }
    if (options.disks.some((disk) => disk.bus === 'usb')) args.push('-device', 'qemu-xhci,id=xhci');
    for (const [i, disk] of options.disks.entries()) {
      const drive = `file=${disk.file},format=raw,if=none,id=d${i},cache=unsafe${disk.readOnly ? ',readonly=on' : ''}`;
      args.push(
        '-drive',
        drive,
        '-device',
        disk.bus === 'usb'
          ? `usb-storage,bus=xhci.0,drive=d${i},bootindex=${i}`
          : `virtio-blk-pci,drive=d${i},serial=LB-DISK-${i}${options.cdrom ? '' : `,bootindex=${i}`}`,
      );
    }
    if (options.cdrom) args.push('-drive', `file=${options.cdrom},format=raw,if=none,id=cd,readonly=on,media=cdrom`, '-device', 'ide-cd,drive=cd,bootindex=0');
    const child = execa('qemu-system-x86_64', args, { reject: false, buffer: false, stdin: 'pipe' });
    return new Machine(child);
  }

  /** Everything the serial console printed so far (escape sequences included). */
  get serial(): string {
    return this.output;
  }

  /** Waits until the serial output, from `fromIndex` on, matches; throws with the tail on timeout. */
  async waitFor(pattern: RegExp, timeoutMs: number, fromIndex = 0): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pattern.exec(this.output.slice(fromIndex));
      if (found) return fromIndex + found.index + found[0].length;
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(
          `The virtual machine did not print ${String(pattern)} within ${timeoutMs} ms${this.child.exitCode !== null ? ' (it exited)' : ''}. Serial tail:\n${visible(this.output.slice(-3000))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Waits until the serial output from `fromIndex` on, with escape sequences removed, matches: for
   * text on a screen the terminal UI draws, where colours and cursor moves cut into the raw bytes.
   * Returns the length of the output at that moment, to wait from for what comes next.
   */
  async waitForText(pattern: RegExp, timeoutMs: number, fromIndex = 0): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pattern.test(visible(this.output.slice(fromIndex)))) return this.output.length;
      const left = deadline - Date.now();
      if (left <= 0 || this.exit !== null) {
        throw new Error(
          `The virtual machine did not show ${String(pattern)} within ${timeoutMs} ms${this.exit !== null ? ' (it exited)' : ''}. Serial output since the last step:\n${visible(this.output.slice(Math.max(fromIndex, this.output.length - 4000)))}`,
        );
      }
      await this.nextOutput(left);
    }
  }

  /** Milliseconds from the start to when the raw serial output first matched, or null if it has not. */
  seenAtMs(pattern: RegExp): number | null {
    const found = pattern.exec(this.output);
    if (!found) return null;
    const end = found.index + found[0].length;
    return this.arrivals.find((arrival) => arrival.end >= end)?.atMs ?? null;
  }

  /** Whether QEMU has exited, and how. */
  get exit(): { code: number | null; signal: string | null } | null {
    return this.child.exitCode === null && this.child.signalCode === null ? null : { code: this.child.exitCode, signal: this.child.signalCode };
  }

  private nextOutput(maxMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(maxMs, 1000));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Types on the serial console. */
  type(text: string): void {
    this.child.stdin?.write(text);
  }

  /**
   * Types keys one write each, `gapMs` apart. A longer burst reaches the guest through its serial
   * port's 16-byte FIFO, cut wherever the FIFO fills; a program that reads the first bytes of an
   * escape sequence alone takes them for the Esc key (Ink does), so each key must arrive whole.
   */
  async typeKeys(keys: readonly string[], gapMs = 100): Promise<void> {
    for (const key of keys) {
      this.type(key);
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }

  /** Waits for the machine to power itself off; throws on timeout. */
  async waitForPowerOff(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.child;
    clearTimeout(timer);
    if (result.signal === 'SIGKILL') {
      // An unattended job's own output says best why the machine stayed on.
      const job = this.output.indexOf('unattended job');
      const shown = job >= 0 ? this.output.slice(job, job + 6000) : this.output.slice(-4000);
      throw new Error(`The virtual machine was still running after ${timeoutMs} ms. Serial output:\n${visible(shown)}`);
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.child;
  }
}

/** Serial output with the terminal's escape sequences removed, for error messages. */
export function visible(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
