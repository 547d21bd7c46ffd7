/**
 * The few pieces of the protobuf wire format an ONNX file needs (varints, length-delimited fields,
 * packed repeated int64/float), written and walked by hand: ONNX models are small trees of messages
 * and a protobuf runtime would be a dependency for two hundred lines.
 * https://protobuf.dev/programming-guides/encoding/
 */

const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

const utf8 = new TextEncoder();

/** Protobuf fixed-width values, ONNX raw_data and TF.js weight files are all little-endian; so are x86 and arm hosts. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Appends fields to a growing buffer; `finish()` gives the message's bytes. */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private varint(value: number | bigint): void {
    // int64 fields: negative values are ten bytes of two's complement, as protobuf specifies.
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buffer[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.length++] = Number(v);
  }

  private tag(field: number, wire: WireType): void {
    this.varint((field << 3) | wire);
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** int32/int64/enum/bool field. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WireType.Varint);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    this.reserve(4);
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message (its own writer's bytes). */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** repeated int64, packed (the proto3 default; proto2 parsers accept packed too). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, data);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** One field as found on the wire: varints as bigint, length-delimited fields as a view of their bytes. */
export type ProtoField =
  | { field: number; wire: 'varint'; value: bigint }
  | { field: number; wire: 'bytes'; value: Uint8Array }
  | { field: number; wire: 'fixed32'; value: Uint8Array }
  | { field: number; wire: 'fixed64'; value: Uint8Array };

/** The top-level fields of one message, in order (nested messages are `bytes` to read again). */
export function readFields(message: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= message.length) throw new Error('truncated protobuf varint');
      const byte = message[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf varint longer than 10 bytes');
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > message.length) throw new Error('truncated protobuf field');
    const out = message.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < message.length) {
    const key = Number(varint());
    const field = key >>> 3;
    switch (key & 7) {
      case WireType.Varint:
        fields.push({ field, wire: 'varint', value: varint() });
        break;
      case WireType.LengthDelimited:
        fields.push({ field, wire: 'bytes', value: take(Number(varint())) });
        break;
      case WireType.Fixed32:
        fields.push({ field, wire: 'fixed32', value: take(4) });
        break;
      case WireType.Fixed64:
        fields.push({ field, wire: 'fixed64', value: take(8) });
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7} (field ${field})`);
    }
  }
  return fields;
}
