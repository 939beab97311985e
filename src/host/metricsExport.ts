import * as vscode from 'vscode';
import type { HistoryRecord } from '../core/history/historyRecord';
import type { Logger } from '../core/log';
import type { OtlpExporter, OtlpExporterOptions, OtlpStatus } from '../core/metrics/otlp';
import { otlpHeaders, otlpMetricsUrl } from '../core/metrics/otlpConfig';

/** What the OTLP settings say; they are machine-scoped, so a workspace cannot point them elsewhere. */
function otlpSettings(): { endpoint: string; headers: Record<string, string>; intervalMs: number } {
  const c = vscode.workspace.getConfiguration('agentRelay.metrics');
  return {
    endpoint: c.get<string>('otlpEndpoint', '').trim(),
    headers: otlpHeaders(c.get('otlpHeaders')),
    intervalMs: Math.max(1, c.get<number>('otlpExportIntervalSeconds', 60)) * 1000,
  };
}

/**
 * Finished runs' metrics to the user's OpenTelemetry collector, when they set
 * one. Nothing happens until a run is recorded with an endpoint set; a change
 * of settings sends what the old exporter holds and starts a new one.
 */
export class MetricsExport {
  private exporter: OtlpExporter | undefined;
  private key: string | undefined;
  private readonly closing = new Set<Promise<void>>();
  /** An endpoint that is set but unusable: what the Doctor says instead of "off". */
  private configError: { url: string; error: string } | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly version: string,
    /** From the network bundle, loaded only once an endpoint is set and a run finished. */
    private readonly createExporter: (opts: OtlpExporterOptions) => OtlpExporter,
  ) {}

  record(rec: HistoryRecord): void {
    this.current()?.record(rec);
  }

  /** For the Doctor: where metrics go and how that went; undefined when off. */
  get status(): OtlpStatus | undefined {
    this.current();
    if (this.exporter) return this.exporter.status;
    return this.configError && { url: this.configError.url, sentRuns: 0, droppedRuns: 0, lastError: this.configError.error };
  }

  /** Sends what is pending (before the window closes), waiting at most `ms`. */
  async close(ms = 3000): Promise<void> {
    const old = this.exporter;
    this.exporter = undefined;
    this.key = undefined;
    if (old) this.retire(old);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all([...this.closing]), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private current(): OtlpExporter | undefined {
    const s = otlpSettings();
    const key = JSON.stringify(s);
    if (key === this.key) return this.exporter;
    this.key = key;
    if (this.exporter) this.retire(this.exporter);
    this.exporter = undefined;
    this.configError = undefined;
    if (!s.endpoint) return undefined;
    try {
      otlpMetricsUrl(s.endpoint); // a bad URL is said before any code is loaded for it
      this.exporter = this.createExporter({ endpoint: s.endpoint, headers: s.headers, intervalMs: s.intervalMs, serviceVersion: this.version, logger: this.logger });
      this.logger.info(`metrics export: sending run metrics to ${this.exporter.status.url} every ${s.intervalMs / 1000} s`);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.configError = { url: s.endpoint.slice(0, 200), error: why };
      this.logger.warn(`metrics export is off: ${why}`);
      const open = vscode.l10n.t('Open Settings');
      void vscode.window
        .showWarningMessage(vscode.l10n.t({ message: 'Agent Relay is not exporting metrics: {0}', args: [why], comment: '{0} says what is wrong with the OTLP endpoint setting' }), open)
        .then((c) => c === open && vscode.commands.executeCommand('workbench.action.openSettings', 'agentRelay.metrics.otlpEndpoint'));
    }
    return this.exporter;
  }

  private retire(exporter: OtlpExporter): void {
    const p = exporter.close().catch(() => undefined);
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }
}
