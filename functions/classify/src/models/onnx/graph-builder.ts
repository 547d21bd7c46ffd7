import { DataType, type Attributes, type Node, type Tensor } from './onnx-proto.js';
import { HOST_IS_LITTLE_ENDIAN } from './protobuf.js';

/** Collects nodes and initializers with unique value names while a model is translated. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet, derived from `base` (Keras layer names are unique, derived ones may not be). */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): string {
    this.used.add(name);
    return name;
  }

  /** Adds one node; returns its single output's name. */
  op(opType: string, inputs: readonly string[], attributes: Attributes = {}, outputBase = opType.toLowerCase()): string {
    const output = this.fresh(outputBase);
    this.nodes.push({ opType, inputs, outputs: [output], name: output, attributes });
    return output;
  }

  floats(base: string, dims: readonly number[], values: Float32Array): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, raw: littleEndianFloats(values) });
    return name;
  }

  scalar(base: string, value: number): string {
    return this.floats(base, [], Float32Array.of(value));
  }

  int64s(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], raw });
    return name;
  }
}

/** raw_data is little-endian whatever the host: a copy of the bytes on x86/arm, swapped elsewhere. */
function littleEndianFloats(values: Float32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return raw;
}
