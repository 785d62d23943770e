/** ETags and the objects read with them, without the AWS SDK (the action's entry reads the manifest before loading it). */

/** An object read as text: its content, LastModified (epoch ms) and unquoted ETag. */
export interface TextObject {
  text: string;
  lastModified: number;
  etag: string;
}

export function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** A single-part, unencrypted-or-SSE-S3 ETag is the hex MD5 of the content. */
export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/i.test(etag);
}
