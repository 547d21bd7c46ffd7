/** The model uses something the exporter cannot map to ONNX; `what` names it (a layer, op or weight). */
export class ExportUnsupported extends Error {
  override readonly name = 'ExportUnsupported';

  constructor(
    readonly what: string,
    readonly why: string,
  ) {
    super(`cannot export to ONNX: ${what}: ${why}`);
  }
}
