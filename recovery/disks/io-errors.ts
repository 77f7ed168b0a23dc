import { LifeboatError } from '../core/errors.js';

/** Turns a Node fs error on a disk into our error family, naming the disk, byte and sector. */
export function diskIoError(cause: unknown, device: string, action: string, offsetBytes?: number, sectorSize?: number): LifeboatError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const errno = Math.abs((cause as NodeJS.ErrnoException | undefined)?.errno ?? 0);
  const where = offsetBytes === undefined ? '' : ` at byte ${offsetBytes}${sectorSize ? ` (sector ${Math.floor(offsetBytes / sectorSize)})` : ''}`;
  const details = { device, errno, ...(offsetBytes === undefined ? {} : { offsetBytes }) };
  switch (code) {
    case 'ENOENT':
    case 'ENXIO':
      return new LifeboatError('DEVICE_NOT_FOUND', `${device} does not exist (any more). Check the name with \`lifeboat disks\`.`, { cause, details });
    case 'ENOMEDIUM':
      return new LifeboatError('NO_MEDIUM', `${device} has no medium. Insert it or choose another disk.`, { cause, details });
    case 'EACCES':
    case 'EPERM':
      // Root can still be refused (a container's device policy, SELinux, a locked-down kernel):
      // telling root to become root would send the technician in a circle.
      return new LifeboatError(
        'PERMISSION_DENIED',
        process.getuid?.() === 0
          ? `The system refused to ${action} ${device} even for root (a container or security policy forbids it).`
          : `Permission denied to ${action} ${device}. Run Lifeboat as root.`,
        { cause, details },
      );
    case 'EROFS':
      return new LifeboatError('READ_ONLY', `${device} is read-only, so it cannot be written.`, { cause, details });
    case 'EBUSY':
      return new LifeboatError(
        'DEVICE_BUSY',
        `${device} is in use (a partition is mounted, or another program holds it). Unmount it or close that program, then try again.`,
        { cause, details },
      );
    case 'EIO':
      return new LifeboatError('IO_ERROR', `${device} reported an I/O error while trying to ${action} it${where}. The disk may be failing.`, {
        cause,
        details,
      });
    default:
      return new LifeboatError('IO_ERROR', `Could not ${action} ${device}${where}: ${(cause as Error)?.message ?? String(cause)}.`, {
        cause,
        details,
      });
  }
}
