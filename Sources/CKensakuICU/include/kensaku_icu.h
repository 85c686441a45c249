// kensaku_icu.h — the only door from Swift to ICU.
//
// Swift must never import ICU's own headers: Foundation ships a private copy of ICU
// (`_FoundationICU`) that declares the same C types, and a module that sees both fails to
// build. ICU also renames its symbols by version (`ubrk_open_72`), which the Swift importer
// cannot follow. This header therefore exposes only <stdint.h> types and opaque handles; the
// implementation in kensaku_icu.c is the only file that includes <unicode/...>.
//
// Errors are ICU `UErrorCode` values passed back as int32_t: 0 is success, > 0 is failure,
// < 0 is a warning. `kk_icu_error_name` turns one into ICU's own name for it.
#ifndef KENSAKU_ICU_H
#define KENSAKU_ICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ICU's version ("72.1") and the Unicode version it implements ("15.0"), NUL-terminated.
void kk_icu_version(char *buffer, int32_t capacity);
void kk_unicode_version(char *buffer, int32_t capacity);
const char *kk_icu_error_name(int32_t error);

/// ICU's buffer-overflow error code, so callers can grow and retry.
#define KK_ICU_BUFFER_OVERFLOW 15

// MARK: Word breaking

typedef struct kk_wordbreaker kk_wordbreaker;

/// Opens a dictionary word-break iterator for `locale` (e.g. "ja"). NULL on failure, with
/// `*error` set. A handle is not thread-safe: open one per thread.
kk_wordbreaker *kk_wordbreaker_open(const char *locale, int32_t *error);
void kk_wordbreaker_close(kk_wordbreaker *breaker);

/// Segments `text[0..<length]` (UTF-16). Writes each segment's end offset (UTF-16 units)
/// and its rule status (0–99 none, 100–199 number, 200–299 letter, 300–399 kana,
/// 400–499 ideographic) into `ends` and `statuses`; both must hold `length` entries.
/// Returns the number of segments, or -1 with `*error` set. The text is not read after the
/// call returns (the caller may free it).
int32_t kk_wordbreaker_segment(kk_wordbreaker *breaker, const uint16_t *text, int32_t length,
                               int32_t *ends, int32_t *statuses, int32_t *error);

// MARK: Normalization

/// NFKC with case folding (ICU's "nfkc_cf"), normalized in segments between normalization
/// boundaries so that every output unit knows the source range it came from.
///
/// Writes at most `capacity` units to `out`, and for each output unit `i` the source range
/// `[map_start[i], map_end[i])` (UTF-16 offsets into `text`). Returns the output length; if
/// `capacity` is too small, returns the length needed with `*error` = KK_ICU_BUFFER_OVERFLOW.
/// Thread-safe (the normalizer instance is ICU's shared singleton).
int32_t kk_normalize_nfkc_cf_mapped(const uint16_t *text, int32_t length,
                                    uint16_t *out, int32_t *map_start, int32_t *map_end,
                                    int32_t capacity, int32_t *error);

/// Plain NFKC-casefold of a UTF-16 string (no map). Same return convention.
int32_t kk_normalize_nfkc_cf(const uint16_t *text, int32_t length,
                             uint16_t *out, int32_t capacity, int32_t *error);

#ifdef __cplusplus
}
#endif

#endif
