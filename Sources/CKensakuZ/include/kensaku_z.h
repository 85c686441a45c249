// kensaku_z.h — CRC-32 (zlib) and zstd behind plain C types, so that Swift sees no
// library header. Errors come back as negative return values; `kk_zstd_error_name`
// names a zstd one.
#ifndef KENSAKU_Z_H
#define KENSAKU_Z_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32 (IEEE, zlib's) of `length` bytes, continuing from `crc` (start with 0).
uint32_t kk_crc32(uint32_t crc, const uint8_t *bytes, size_t length);

/// Upper bound of a compressed block's size.
size_t kk_zstd_bound(size_t length);
/// Compresses a whole buffer. Returns the compressed size, or 0 on failure.
size_t kk_zstd_compress(uint8_t *dst, size_t capacity, const uint8_t *src, size_t length, int level);

/// The decompressed size that the zstd frame starting at `src` declares in its header, or -1
/// when it declares none or `src` does not start with a valid frame header.
long long kk_zstd_frame_content_size(const uint8_t *src, size_t length);

/// A decompression context for one frame at a time, written into a buffer that the caller
/// may grow (move) between calls: memory follows the output actually produced.
typedef struct kk_zstd_frame_decoder kk_zstd_frame_decoder;
kk_zstd_frame_decoder *kk_zstd_frame_decoder_create(void);
/// Forgets any frame in progress.
void kk_zstd_frame_decoder_reset(kk_zstd_frame_decoder *decoder);
/// Decompresses more of the frame in `src[*srcPos..<length]` into `dst[*dstPos..<capacity]`,
/// advancing both positions. Returns 0 when the frame is complete, 1 when it needs more
/// room in `dst` (or input: the frame is truncated when `*srcPos == length`), -1 when the
/// data is corrupt.
int kk_zstd_frame_decoder_run(kk_zstd_frame_decoder *decoder, uint8_t *dst, size_t capacity, size_t *dstPos,
                              const uint8_t *src, size_t length, size_t *srcPos);
void kk_zstd_frame_decoder_free(kk_zstd_frame_decoder *decoder);

/// A streaming decompressor over a file descriptor (for `.zst` corpora).
typedef struct kk_zstd_reader kk_zstd_reader;
kk_zstd_reader *kk_zstd_reader_open(int fd);
/// Reads up to `capacity` decompressed bytes. Returns the count, 0 at the end of the input,
/// or -1 on a corrupt stream, -2 on a read error, -3 on an input that ends inside a frame.
long kk_zstd_reader_read(kk_zstd_reader *reader, uint8_t *dst, size_t capacity);
/// Compressed bytes consumed so far (for progress).
uint64_t kk_zstd_reader_consumed(const kk_zstd_reader *reader);
void kk_zstd_reader_close(kk_zstd_reader *reader);

/// Returns memory that malloc holds in its free lists to the system (glibc's malloc_trim);
/// a no-op elsewhere. The index builder calls it after freeing a flushed segment.
void kk_release_free_memory(void);

#ifdef __cplusplus
}
#endif

#endif
