// Separate bundle (dist/otlpExporter.js) with the OTLP metrics exporter,
// required only once the user has set an endpoint and a run has finished.
import { OtlpExporter, type OtlpExporterOptions } from './core/metrics/otlp';

export const createOtlpExporter = (opts: OtlpExporterOptions): OtlpExporter => new OtlpExporter(opts);
