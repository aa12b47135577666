/**
 * Protobuf bytes of a `google.protobuf.Struct`, written by hand, for what the engine (Go) can send but the Node
 * client cannot build: google-protobuf drops a `__proto__` key (its map keeps entries in a plain object) and
 * overflows its stack on values a few thousand levels deep. `encodeStruct` takes JSON plus pre-encoded values
 * (`deepValue`, built without recursion); `checkRequest` wraps a CheckRequest for `ProviderHost.checkBytes`.
 */

/** A `google.protobuf.Value`, already encoded. */
export class EncodedValue {
  constructor(readonly bytes: Buffer) {}
}

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return Buffer.from(out);
}

/** Field `field` of wire type 2 (length-delimited) holding `bytes`. */
function field(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

function value(v: unknown): Buffer {
  if (v instanceof EncodedValue) return v.bytes;
  if (v === null) return Buffer.from([0x08, 0x00]); // null_value = 1
  if (typeof v === "number") {
    const b = Buffer.alloc(9);
    b[0] = 0x11; // number_value = 2, fixed64
    b.writeDoubleLE(v, 1);
    return b;
  }
  if (typeof v === "string") return field(3, Buffer.from(v, "utf8"));
  if (typeof v === "boolean") return Buffer.from([0x20, v ? 1 : 0]);
  if (Array.isArray(v)) return field(6, Buffer.concat(v.map((x) => field(1, value(x)))));
  if (typeof v === "object") return field(5, encodeStruct(v as Record<string, unknown>));
  throw new Error(`cannot encode ${typeof v}`);
}

/** A Struct's bytes; own keys only (a `__proto__` own key, as JSON.parse makes it, is kept). */
export function encodeStruct(o: Record<string, unknown>): Buffer {
  return Buffer.concat(Object.keys(o).map((k) => field(1, Buffer.concat([field(1, Buffer.from(k, "utf8")), field(2, value(o[k]))]))));
}

/** `levels` nested lists (`[[[...1]]]`) or objects (`{ a: { a: ... 1 } }`) around the number 1, built iteratively. */
export function deepValue(levels: number, kind: "list" | "object"): EncodedValue {
  let bytes = value(1);
  for (let i = 0; i < levels; i++) {
    bytes = kind === "list" ? field(6, field(1, bytes)) : field(5, field(1, Buffer.concat([field(1, Buffer.from("a")), field(2, bytes)])));
  }
  return new EncodedValue(bytes);
}

/** A CheckRequest (`urn` = 1, `olds` = 2, `news` = 3) from Struct bytes. */
export function checkRequest(urn: string, olds: Buffer, news: Buffer): Buffer {
  return Buffer.concat([field(1, Buffer.from(urn, "utf8")), field(2, olds), field(3, news)]);
}
