import sharp from 'sharp';

/** libuv's default threadpool size; UV_THREADPOOL_SIZE is read once, when the pool first starts. */
const UV_DEFAULT = 4;

export interface DecodeThreads {
  /** libvips threads per image. */
  perImage: number;
  /** Images decoded at once at most: libuv's threadpool (shared with fs and DNS lookups). */
  threadpool: number;
  /** Set when the threadpool is smaller than the cores, so decoding cannot use them all. */
  advice?: string;
}

/**
 * Sizes decoding for `cores`: one libvips thread per image (several images decode at once, each on a
 * libuv thread, which overlaps with inference on the workers; threads within one 224-pixel decode
 * would only contend for the same cores). libuv's pool cannot be resized once the process runs, so a
 * pool smaller than the cores is only reported (set UV_THREADPOOL_SIZE in the environment).
 */
export function sizeDecodeThreads(cores: number, environment: NodeJS.ProcessEnv = process.env): DecodeThreads {
  sharp.concurrency(1);
  const configured = Number(environment.UV_THREADPOOL_SIZE);
  const threadpool = Number.isInteger(configured) && configured > 0 ? configured : UV_DEFAULT;
  return {
    perImage: sharp.concurrency(),
    threadpool,
    ...(threadpool < cores ? { advice: `UV_THREADPOOL_SIZE=${threadpool} decodes fewer images at once than the ${cores} cores allow; set it to ${cores} or more` } : {}),
  };
}
