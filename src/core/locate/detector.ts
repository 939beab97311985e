import * as os from 'node:os';
import type { CliAgentSpec } from '../agents/cliAgent';
import { locateCli, type Detection, type LocatorContext } from './cliLocator';
import { DetectionCache } from './detectionCache';

/** Where the user's path setting (or flag) points, for one CLI. */
export type LocateHints = Pick<LocatorContext, 'configuredPath' | 'settingIgnoredUntrusted' | 'settingKey' | 'baseDir'>;

/**
 * Finds agent CLIs for runs, the Agents view and the Doctor, cached per scope
 * (a workspace folder, or the headless CLI's process) and agent. The host
 * forgets detections when a relevant setting, the folders or trust change.
 */
export class Detector {
  private readonly cache = new DetectionCache();

  constructor(
    private readonly machine: () => Pick<LocatorContext, 'platform' | 'env' | 'home'> = () => ({ platform: process.platform, env: process.env, home: os.homedir() }),
    private readonly onDetected?: (d: Detection, ms: number) => void,
  ) {}

  detect(spec: CliAgentSpec, scope: string, hints: LocateHints): Promise<Detection> {
    return this.cache.get(scope, spec.id, () => {
      const started = Date.now();
      return locateCli(spec, { ...this.machine(), ...hints }).then((d) => {
        this.onDetected?.(d, Date.now() - started);
        d.detectedAt = Date.now();
        return d;
      });
    });
  }

  /** Forgets one agent everywhere, or everything. */
  forget(agentId?: string): void {
    this.cache.clear(agentId);
  }

  get size(): number {
    return this.cache.size;
  }
}
