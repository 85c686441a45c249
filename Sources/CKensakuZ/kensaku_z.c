#if !__has_include(<zstd.h>)
#error "Kensaku needs zstd's headers: install them with `apt-get install -y libzstd-dev`."
#endif
#include "kensaku_z.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

uint32_t kk_crc32(uint32_t crc, const uint8_t *bytes, size_t length) {
    uLong value = crc;
    while (length > 0) {
        uInt chunk = length > 0x40000000u ? 0x40000000u : (uInt)length;
        value = crc32(value, bytes, chunk);
        bytes += chunk;
        length -= chunk;
    }
    return (uint32_t)value;
}

size_t kk_zstd_bound(size_t length) { return ZSTD_compressBound(length); }

size_t kk_zstd_compress(uint8_t *dst, size_t capacity, const uint8_t *src, size_t length, int level) {
    size_t written = ZSTD_compress(dst, capacity, src, length, level);
    return ZSTD_isError(written) ? 0 : written;
}

long long kk_zstd_frame_content_size(const uint8_t *src, size_t length) {
    unsigned long long declared = ZSTD_getFrameContentSize(src, length);
    if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN || declared > (unsigned long long)LLONG_MAX) return -1;
    return (long long)declared;
}

struct kk_zstd_frame_decoder {
    ZSTD_DCtx *context;
};

kk_zstd_frame_decoder *kk_zstd_frame_decoder_create(void) {
    kk_zstd_frame_decoder *decoder = calloc(1, sizeof(kk_zstd_frame_decoder));
    if (decoder == NULL) return NULL;
    decoder->context = ZSTD_createDCtx();
    if (decoder->context == NULL) {
        free(decoder);
        return NULL;
    }
    return decoder;
}

void kk_zstd_frame_decoder_reset(kk_zstd_frame_decoder *decoder) {
    ZSTD_DCtx_reset(decoder->context, ZSTD_reset_session_only);
}

int kk_zstd_frame_decoder_run(kk_zstd_frame_decoder *decoder, uint8_t *dst, size_t capacity, size_t *dstPos,
                              const uint8_t *src, size_t length, size_t *srcPos) {
    ZSTD_outBuffer out = {dst, capacity, *dstPos};
    ZSTD_inBuffer in = {src, length, *srcPos};
    size_t result = ZSTD_decompressStream(decoder->context, &out, &in);
    *dstPos = out.pos;
    *srcPos = in.pos;
    if (ZSTD_isError(result)) return -1;
    return result == 0 ? 0 : 1;
}

void kk_zstd_frame_decoder_free(kk_zstd_frame_decoder *decoder) {
    if (decoder == NULL) return;
    ZSTD_freeDCtx(decoder->context);
    free(decoder);
}

struct kk_zstd_reader {
    int fd;
    ZSTD_DStream *stream;
    uint8_t *input;
    size_t inputCapacity;
    ZSTD_inBuffer in;
    uint64_t consumed;
    int eof;
    size_t lastResult;
};

kk_zstd_reader *kk_zstd_reader_open(int fd) {
    kk_zstd_reader *reader = calloc(1, sizeof(kk_zstd_reader));
    if (reader == NULL) return NULL;
    reader->fd = fd;
    reader->stream = ZSTD_createDStream();
    reader->inputCapacity = ZSTD_DStreamInSize();
    reader->input = malloc(reader->inputCapacity);
    if (reader->stream == NULL || reader->input == NULL) {
        kk_zstd_reader_close(reader);
        return NULL;
    }
    ZSTD_initDStream(reader->stream);
    reader->in.src = reader->input;
    reader->in.size = 0;
    reader->in.pos = 0;
    return reader;
}

long kk_zstd_reader_read(kk_zstd_reader *reader, uint8_t *dst, size_t capacity) {
    ZSTD_outBuffer out = {dst, capacity, 0};
    while (out.pos == 0) {
        if (reader->in.pos == reader->in.size) {
            if (reader->eof) return reader->lastResult == 0 ? 0 : -3;
            ssize_t got;
            do {
                got = read(reader->fd, reader->input, reader->inputCapacity);
            } while (got < 0 && errno == EINTR);
            if (got < 0) return -2;
            if (got == 0) {
                reader->eof = 1;
                continue;
            }
            reader->in.size = (size_t)got;
            reader->in.pos = 0;
        }
        size_t before = reader->in.pos;
        size_t result = ZSTD_decompressStream(reader->stream, &out, &reader->in);
        reader->consumed += reader->in.pos - before;
        if (ZSTD_isError(result)) return -1;
        reader->lastResult = result;
    }
    return (long)out.pos;
}

uint64_t kk_zstd_reader_consumed(const kk_zstd_reader *reader) { return reader->consumed; }

void kk_zstd_reader_close(kk_zstd_reader *reader) {
    if (reader == NULL) return;
    if (reader->stream != NULL) ZSTD_freeDStream(reader->stream);
    free(reader->input);
    free(reader);
}

void kk_release_free_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
