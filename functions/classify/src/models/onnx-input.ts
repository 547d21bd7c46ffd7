import { readFields, type ProtoField } from './onnx/protobuf.js';

/**
 * The square image size an ONNX model takes, read from its graph's first real input (NHWC
 * [N, H, W, 3] or NCHW [N, 3, H, W]) without ONNX Runtime: the spec is resolved before an engine
 * is chosen. Undefined when the size is symbolic or the input is not an image batch.
 * Field numbers: onnx/onnx.proto (ModelProto.graph 7; GraphProto.initializer 5, input 11;
 * ValueInfoProto.name 1, type 2; TypeProto.tensor_type 1; Tensor.shape 2; TensorShapeProto.dim 1;
 * Dimension.dim_value 1; TensorProto.name 8).
 */
export function onnxInputSize(model: Uint8Array): number | undefined {
  const graph = bytesOf(readFields(model), 7)[0];
  if (!graph) throw new Error('no graph in the ONNX model');
  const fields = readFields(graph);
  // Before IR 4 initializers were listed among the inputs too: the image is the input that is not one.
  const initializers = new Set(bytesOf(fields, 5).map((t) => text(bytesOf(readFields(t), 8)[0])));
  for (const input of bytesOf(fields, 11)) {
    const info = readFields(input);
    if (initializers.has(text(bytesOf(info, 1)[0]))) continue;
    const dims = imageDims(info);
    if (!dims || dims.length !== 4) return undefined;
    const [h, w] = dims[3] === 3 ? [dims[1], dims[2]] : dims[1] === 3 ? [dims[2], dims[3]] : [undefined, undefined];
    return h !== undefined && h === w ? h : undefined;
  }
  return undefined;
}

function imageDims(info: ProtoField[]): (number | undefined)[] | undefined {
  const type = bytesOf(info, 2)[0];
  const tensor = type && bytesOf(readFields(type), 1)[0];
  const shape = tensor && bytesOf(readFields(tensor), 2)[0];
  if (!shape) return undefined;
  return bytesOf(readFields(shape), 1).map((dim) => {
    const value = readFields(dim).find((f) => f.field === 1 && f.wire === 'varint');
    return value?.wire === 'varint' && value.value > 0n ? Number(value.value) : undefined;
  });
}

function bytesOf(fields: ProtoField[], field: number): Uint8Array[] {
  return fields.flatMap((f) => (f.field === field && f.wire === 'bytes' ? [f.value] : []));
}

const utf8 = new TextDecoder();
const text = (bytes: Uint8Array | undefined): string => (bytes ? utf8.decode(bytes) : '');
