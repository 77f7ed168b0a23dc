import { execa } from 'execa';

/** One device as `lsblk -b -J -O` reports it: the independent oracle for enumeration. */
export interface LsblkDevice {
  name: string;
  path: string;
  size: number;
  'log-sec': number;
  'phy-sec': number;
  start: number | null;
  'maj:min': string;
  ro: boolean;
  rm: boolean;
  rota: boolean;
  mountpoints: Array<string | null>;
  children?: LsblkDevice[];
}

export async function lsblk(device: string): Promise<LsblkDevice> {
  const { stdout } = await execa('lsblk', ['-b', '-J', '-O', device]);
  const parsed = JSON.parse(stdout) as { blockdevices: LsblkDevice[] };
  const found = parsed.blockdevices[0];
  if (!found) throw new Error(`lsblk does not know ${device}`);
  return found;
}

/** lsblk writes `[null]` for "not mounted"; we write `[]`. */
export function mountpointsOf(device: LsblkDevice): string[] {
  return device.mountpoints.filter((m): m is string => m !== null).sort();
}
