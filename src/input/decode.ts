import { isAscii, isUtf8 } from "node:buffer";
import { TextDecoder } from "node:util";

/** Text encodings the reader accepts (issue #5). */
export type SupportedEncoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

/** How an encoding is named in messages. */
export const ENCODING_LABELS: Readonly<Record<SupportedEncoding, string>> = {
  "utf-8": "UTF-8",
  "utf-16le": "UTF-16LE",
  "utf-16be": "UTF-16BE",
  "windows-1252": "Windows-1252",
};

/** Byte order marks, longest first so UTF-8's three bytes are tried before UTF-16's two. */
const BOMS: readonly { readonly encoding: SupportedEncoding; readonly bytes: readonly number[] }[] =
  [
    { encoding: "utf-8", bytes: [0xef, 0xbb, 0xbf] },
    { encoding: "utf-16le", bytes: [0xff, 0xfe] },
    { encoding: "utf-16be", bytes: [0xfe, 0xff] },
  ];

export interface EncodingChoice {
  readonly encoding: SupportedEncoding;
  readonly source: "bom" | "detected" | "fallback" | "forced";
  /** Length in bytes of the byte order mark the file starts with (0 when none). */
  readonly bomLength: number;
}

/** The byte order mark `head` starts with, if any. */
export function findBom(
  head: Uint8Array,
): { encoding: SupportedEncoding; length: number } | undefined {
  for (const bom of BOMS) {
    if (head.length >= bom.bytes.length && bom.bytes.every((byte, i) => head[i] === byte)) {
      return { encoding: bom.encoding, length: bom.bytes.length };
    }
  }
  return undefined;
}

/**
 * Guess UTF-16 without a byte order mark: a header line is ASCII, so every other byte is zero.
 * Anything else is taken as UTF-8; the full pass then proves it or falls back to Windows-1252.
 */
export function sniffEncoding(head: Uint8Array): SupportedEncoding {
  const pairs = Math.min(head.length, 64) >> 1;
  if (pairs < 2) return "utf-8";
  let le = 0;
  let be = 0;
  for (let i = 0; i < pairs; i++) {
    const first = head[2 * i] ?? 0;
    const second = head[2 * i + 1] ?? 0;
    if (first !== 0 && second === 0) le++;
    else if (first === 0 && second !== 0) be++;
  }
  if (le === pairs) return "utf-16le";
  if (be === pairs) return "utf-16be";
  return "utf-8";
}

/** A byte sequence that is not valid in the encoding; offsets count from the start of the decoded stream. */
export class DecodeFailure extends Error {
  readonly byteOffset: number;
  /** The bad bytes as hex, e.g. `0xF1`. */
  readonly bytesHex: string;
  /** What decoded cleanly in the same write, so the caller can count lines up to the bad byte. */
  readonly valid: Buffer | string;

  constructor(byteOffset: number, bytesHex: string, valid: Buffer | string) {
    super(`invalid byte sequence ${bytesHex} at offset ${byteOffset}`);
    this.name = "DecodeFailure";
    this.byteOffset = byteOffset;
    this.bytesHex = bytesHex;
    this.valid = valid;
  }
}

/** Bytes as `0xF1 0x61` for messages. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`).join(
    " ",
  );
}

/** Length of the leading part of `data` that ends on a UTF-8 character boundary. */
function completeUtf8Length(data: Uint8Array): number {
  const length = data.length;
  for (let i = length - 1; i >= 0 && i >= length - 3; i--) {
    const byte = data[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte < 0xc0) return length;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return length - i < needed ? i : length;
  }
  return length;
}

/**
 * Index of the first byte that starts an invalid UTF-8 sequence (WHATWG rules, as TextDecoder
 * `fatal`), or `data.length`. Only on the error path (isUtf8 said no), so walking on is fine.
 */
export function firstInvalidUtf8(data: Uint8Array): number {
  let first = data.length;
  walkUtf8(data, (at) => {
    if (at < first) first = at;
  });
  return first;
}

/**
 * Walks `data` by UTF-8 sequences (WHATWG rules, as TextDecoder `fatal`): calls `onInvalid` with the
 * start and length of each invalid sequence (a maximal subpart, as a decoder replaces it by one
 * U+FFFD) and returns the index of the first valid multi-byte sequence, or -1. `data` must end on
 * a character boundary (completeUtf8Length), except at the end of the input.
 */
export function walkUtf8(
  data: Uint8Array,
  onInvalid?: (at: number, length: number) => void,
): number {
  const length = data.length;
  let firstMultibyte = -1;
  let i = 0;
  while (i < length) {
    const byte = data[i] ?? 0;
    if (byte < 0x80) {
      i++;
      continue;
    }
    let needed: number;
    let low = 0x80;
    let high = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) needed = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      needed = 2;
      if (byte === 0xe0) low = 0xa0;
      if (byte === 0xed) high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      needed = 3;
      if (byte === 0xf0) low = 0x90;
      if (byte === 0xf4) high = 0x8f;
    } else {
      onInvalid?.(i, 1);
      i++;
      continue;
    }
    let k = 1;
    for (; k <= needed; k++) {
      const next = data[i + k];
      if (next === undefined || next < low || next > high) break;
      low = 0x80;
      high = 0xbf;
    }
    if (k > needed) {
      if (firstMultibyte < 0) firstMultibyte = i;
      i += needed + 1;
    } else {
      onInvalid?.(i, k);
      i += k;
    }
  }
  return firstMultibyte;
}

/** An invalid UTF-8 sequence: offset from the start of the stream, and its bytes as hex. */
export interface Utf8Problem {
  readonly offset: number;
  readonly bytesHex: string;
}

/**
 * Streaming UTF-8 check that never throws: passes the bytes through (each write returns the part
 * that ends on a character boundary) and reports every invalid sequence instead, with whether and
 * where a valid multi-byte sequence was seen. A file with one stray byte among valid UTF-8 text is
 * still UTF-8 (the stray byte's row is invalid); only a file with no valid multi-byte sequence at
 * all may be Windows-1252 (issue 4 of the safety review: `Zürich` must never become `ZÃ¼rich`).
 */
export class LenientUtf8 {
  #carry: Buffer | undefined;
  #offset = 0;
  /** Stream offset of the first valid multi-byte sequence; -1 while none was seen. */
  firstMultibyte = -1;

  /**
   * `problems` (if given) receives the invalid sequences of the returned bytes, offsets from the
   * start of the stream, in order.
   */
  write(chunk: Buffer, problems?: Utf8Problem[]): Buffer {
    const data = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    const end = completeUtf8Length(data);
    const complete = end === data.length ? data : data.subarray(0, end);
    this.#check(complete, problems);
    this.#carry = end === data.length ? undefined : Buffer.from(data.subarray(end));
    this.#offset += end;
    return complete;
  }

  /** The bytes held back (a sequence cut off by the end of the input), checked. */
  end(problems?: Utf8Problem[]): Buffer {
    const carry = this.#carry ?? Buffer.alloc(0);
    this.#carry = undefined;
    this.#check(carry, problems);
    this.#offset += carry.length;
    return carry;
  }

  #check(data: Buffer, problems: Utf8Problem[] | undefined): void {
    // Native checks first: almost every chunk of a UTF-8 file is valid, most are ASCII.
    if (isUtf8(data)) {
      if (this.firstMultibyte < 0 && !isAscii(data)) {
        let i = 0;
        while ((data[i] ?? 0) < 0x80) i++;
        this.firstMultibyte = this.#offset + i;
      }
      return;
    }
    const base = this.#offset;
    const first = walkUtf8(
      data,
      problems &&
        ((at, length) => {
          problems.push({ offset: base + at, bytesHex: hexBytes(data.subarray(at, at + length)) });
        }),
    );
    if (this.firstMultibyte < 0 && first >= 0) this.firstMultibyte = base + first;
  }
}

/**
 * Streaming UTF-8 check that passes the bytes through: each write returns the part that ends on a
 * character boundary (the rest is carried to the next write). `isUtf8` is native and far faster
 * than decoding, which matters on the 1,000,000-row path.
 */
export class Utf8Validator {
  #carry: Buffer | undefined;
  #offset = 0;

  write(chunk: Buffer): Buffer {
    const data = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    const end = completeUtf8Length(data);
    const complete = end === data.length ? data : data.subarray(0, end);
    if (!isUtf8(complete)) {
      const bad = firstInvalidUtf8(complete);
      throw new DecodeFailure(
        this.#offset + bad,
        hexBytes(complete.subarray(bad, bad + 1)),
        complete.subarray(0, bad),
      );
    }
    this.#carry = end === data.length ? undefined : Buffer.from(data.subarray(end));
    this.#offset += end;
    return complete;
  }

  end(): Buffer {
    const carry = this.#carry;
    if (carry !== undefined) {
      // A multi-byte sequence cut off by the end of the file.
      throw new DecodeFailure(this.#offset, hexBytes(carry), Buffer.alloc(0));
    }
    return Buffer.alloc(0);
  }
}

/** Index (in bytes, even) of the first code unit that is an unpaired surrogate. */
function firstInvalidUtf16(data: Uint8Array, littleEndian: boolean): number {
  const units = data.length >> 1;
  for (let u = 0; u < units; u++) {
    const unit = readUnit(data, 2 * u, littleEndian);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = u + 1 < units ? readUnit(data, 2 * u + 2, littleEndian) : -1;
      if (next >= 0xdc00 && next <= 0xdfff) {
        u++;
        continue;
      }
      return 2 * u;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return 2 * u;
  }
  return data.length;
}

function readUnit(data: Uint8Array, at: number, littleEndian: boolean): number {
  const a = data[at] ?? 0;
  const b = data[at + 1] ?? 0;
  return littleEndian ? a | (b << 8) : (a << 8) | b;
}

/**
 * Strict streaming decoder to JavaScript strings: never produces U+FFFD for bad input, it throws
 * DecodeFailure with the offset of the first bad byte instead (TextDecoder `fatal` gives no offset,
 * so UTF-16 keeps its own carry to find it).
 */
export class StrictDecoder {
  readonly encoding: SupportedEncoding;
  #utf8: Utf8Validator | undefined;
  #decoder: TextDecoder | undefined;
  #carry: Buffer | undefined;
  #offset = 0;

  constructor(encoding: SupportedEncoding) {
    this.encoding = encoding;
    if (encoding === "utf-8") this.#utf8 = new Utf8Validator();
    else this.#decoder = new TextDecoder(encoding, { fatal: true });
  }

  write(chunk: Buffer): string {
    if (this.#utf8 !== undefined) {
      try {
        return this.#utf8.write(chunk).toString("utf8");
      } catch (error) {
        throw asTextFailure(error);
      }
    }
    const decoder = this.#decoder as TextDecoder;
    if (this.encoding === "windows-1252") {
      // Every byte has a meaning in Windows-1252 (WHATWG maps the five unused ones to C1 controls).
      return decoder.decode(chunk, { stream: true });
    }
    return this.#writeUtf16(chunk, decoder);
  }

  end(): string {
    if (this.#utf8 !== undefined) {
      try {
        return this.#utf8.end().toString("utf8");
      } catch (error) {
        throw asTextFailure(error);
      }
    }
    const decoder = this.#decoder as TextDecoder;
    if (this.encoding === "windows-1252") return decoder.decode();
    const carry = this.#carry;
    if (carry !== undefined) throw new DecodeFailure(this.#offset, hexBytes(carry), "");
    return "";
  }

  #writeUtf16(chunk: Buffer, decoder: TextDecoder): string {
    const littleEndian = this.encoding === "utf-16le";
    const data = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    let end = data.length & ~1;
    // Hold back a trailing high surrogate: its pair may start the next chunk.
    if (end >= 2) {
      const last = readUnit(data, end - 2, littleEndian);
      if (last >= 0xd800 && last <= 0xdbff) end -= 2;
    }
    const complete = data.subarray(0, end);
    let text: string;
    try {
      text = decoder.decode(complete);
    } catch {
      const bad = firstInvalidUtf16(complete, littleEndian);
      const valid = decoder.decode(complete.subarray(0, bad));
      throw new DecodeFailure(this.#offset + bad, hexBytes(complete.subarray(bad, bad + 2)), valid);
    }
    this.#carry = end === data.length ? undefined : Buffer.from(data.subarray(end));
    this.#offset += end;
    return text;
  }
}

function asTextFailure(error: unknown): unknown {
  if (error instanceof DecodeFailure && typeof error.valid !== "string") {
    return new DecodeFailure(error.byteOffset, error.bytesHex, error.valid.toString("utf8"));
  }
  return error;
}
