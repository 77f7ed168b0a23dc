import { useState } from 'react';
import { isLifeboatError } from '../core/errors.js';
import { useAppServices } from './app-context.js';
import type { MountedFilesystem } from './backend/types.js';

/**
 * Leaving a task: unmount what the task mounted (a stick must not be pulled with unwritten data),
 * read the disks again (tables may have changed), go home. An unmount that fails is shown, not
 * swallowed, so the person knows not to remove the disk yet.
 */
export function useLeave(): { leaving: boolean; problem: string | null; leave: (mounted: readonly (MountedFilesystem | null)[]) => void } {
  const { backend, disks, goHome } = useAppServices();
  const [leaving, setLeaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const leave = (mounted: readonly (MountedFilesystem | null)[]) => {
    setLeaving(true);
    void (async () => {
      for (const filesystem of mounted) {
        if (!filesystem) continue;
        try {
          await backend.unmount(filesystem);
        } catch (error) {
          setProblem(isLifeboatError(error) ? `${error.message} [${error.code}]` : String(error));
          setLeaving(false);
          return;
        }
      }
      disks.reload();
      goHome();
    })();
  };
  return { leaving, problem, leave };
}
