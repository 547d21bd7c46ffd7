import { ProtoWriter, readFields } from './protobuf.js';

/**
 * The subset of onnx/onnx.proto an exported image model uses, as plain TypeScript values, and its
 * encoding. Field numbers are the spec's (onnx/onnx.proto); names follow it in camelCase.
 */

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export interface Tensor {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  /** Little-endian element bytes (raw_data). */
  raw: Uint8Array;
}

export type AttributeValue = { float: number } | { int: number } | { ints: readonly number[] } | { floats: readonly number[] } | { string: string };
export type Attributes = Record<string, AttributeValue>;

export interface Node {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: Attributes;
}

/** A dimension: a fixed size or a symbolic name (e.g. 'batch'). */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  elemType: DataType;
  /** Absent: unknown (even the rank). */
  shape?: readonly Dim[];
}

export interface Graph {
  name: string;
  nodes: readonly Node[];
  initializers: readonly Tensor[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

export interface Model {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: Graph;
  metadata: Record<string, string>;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function writeTensor(w: ProtoWriter, t: Tensor): void {
  w.packedInts(1, t.dims).int(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if ('float' in value) w.float(2, value.float).int(20, ATTR_FLOAT);
  else if ('int' in value) w.int(3, value.int).int(20, ATTR_INT);
  else if ('string' in value) w.string(4, value.string).int(20, ATTR_STRING);
  else if ('floats' in value) w.packedFloats(7, value.floats).int(20, ATTR_FLOATS);
  else w.packedInts(8, value.ints).int(20, ATTR_INTS);
}

function writeNode(w: ProtoWriter, n: Node): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  // TypeProto.tensor_type → TypeProto.Tensor { elem_type, shape: TensorShapeProto { dim: Dimension } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      const dims = v.shape;
      if (dims) tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: Graph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** ModelProto bytes: what InferenceSession.create() takes, and what a `.onnx` file holds. */
export function encodeModel(m: Model): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (g) => writeGraph(g, m.graph));
  w.message(8, (o) => o.string(1, '').int(2, m.opsetVersion));
  for (const [key, value] of Object.entries(m.metadata)) w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}

const utf8 = new TextDecoder();

/**
 * ModelProto.metadata_props of an ONNX file, read without decoding the graph (ONNX Runtime's JS API
 * does not expose them). Only the top-level fields are walked: the graph is skipped as one blob.
 */
export function readModelMetadata(model: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readFields(model)) {
    if (f.field !== 14 || f.wire !== 'bytes') continue;
    let key = '';
    let value = '';
    for (const e of readFields(f.value)) {
      if (e.wire !== 'bytes') continue;
      if (e.field === 1) key = utf8.decode(e.value);
      if (e.field === 2) value = utf8.decode(e.value);
    }
    out[key] = value;
  }
  return out;
}
