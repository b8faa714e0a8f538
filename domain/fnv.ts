// FNV-1a over the UTF-8 bytes of a string: tiny, pure and stable across
// versions, unlike anything from node:crypto, which workflow code may not
// import. Not for secrets: for short, stable, collision-unlikely names.

const bytes = (s: string) => new TextEncoder().encode(s);

/** 32-bit FNV-1a as 8 hex characters. */
export function fnv1a32(s: string): string {
  let h = 0x811c9dc5;
  for (const b of bytes(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** 64-bit FNV-1a as 16 hex characters; `seed` is XORed into the offset basis for an independent second hash. */
export function fnv1a64(s: string, seed = 0n): string {
  let h = 0xcbf29ce484222325n ^ seed;
  for (const b of bytes(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
