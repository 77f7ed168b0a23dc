import { useEffect, useState } from 'react';
import type { ListedDisk } from '../disks/disk-table.js';
import { useAppServices } from './app-context.js';
import type { TargetCandidate, TargetRules } from './backend/types.js';

/**
 * Why each candidate may not be written (null: it may), worked out by the backend's safety rules
 * for the current disk list. Null until every answer is in, so nothing is choosable early.
 */
export function useRefusals(candidates: readonly TargetCandidate[], rules: TargetRules, disks: readonly ListedDisk[]): Map<string, string | null> | null {
  const { backend } = useAppServices();
  // Kept with the key they answer, so a changed list is never shown with the old list's answers.
  const [answers, setAnswers] = useState<{ key: string; refusals: Map<string, string | null> } | null>(null);
  const key = `${candidates.map((c) => c.path).join('\n')}|${rules.repoDir ?? ''}|${rules.sourcePath ?? ''}|${disks.map((d) => d.path + d.partitions.map((p) => p.mountpoints.join(',')).join(';')).join('|')}`;
  useEffect(() => {
    let live = true;
    void Promise.all(
      candidates.map(
        async (c) =>
          [c.path, await backend.refusal(c, rules, disks).catch((error: unknown) => (error instanceof Error ? error.message : String(error)))] as const,
      ),
    ).then((pairs) => live && setAnswers({ key, refusals: new Map(pairs) }));
    return () => {
      live = false;
    };
    // `key` sums up everything the answers depend on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return answers?.key === key ? answers.refusals : null;
}
