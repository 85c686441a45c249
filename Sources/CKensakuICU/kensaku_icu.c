// The ICU side of kensaku_icu.h. See the header for the contract.
#if !__has_include(<unicode/ubrk.h>)
#error "Kensaku needs the ICU C library and its headers: install them with `apt-get install -y libicu-dev`."
#endif

#include "kensaku_icu.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>
#include <unicode/uversion.h>

void kk_icu_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(info);
    u_versionToString(info, text);
    strncpy(buffer, text, (size_t)capacity);
    if (capacity > 0) buffer[capacity - 1] = 0;
}

void kk_unicode_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_getUnicodeVersion(info);
    u_versionToString(info, text);
    strncpy(buffer, text, (size_t)capacity);
    if (capacity > 0) buffer[capacity - 1] = 0;
}

const char *kk_icu_error_name(int32_t error) { return u_errorName((UErrorCode)error); }

struct kk_wordbreaker {
    UBreakIterator *iterator;
};

kk_wordbreaker *kk_wordbreaker_open(const char *locale, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *iterator = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    if (U_FAILURE(status)) {
        *error = (int32_t)status;
        return NULL;
    }
    kk_wordbreaker *breaker = malloc(sizeof(kk_wordbreaker));
    if (breaker == NULL) {
        ubrk_close(iterator);
        *error = (int32_t)U_MEMORY_ALLOCATION_ERROR;
        return NULL;
    }
    breaker->iterator = iterator;
    *error = 0;
    return breaker;
}

void kk_wordbreaker_close(kk_wordbreaker *breaker) {
    if (breaker == NULL) return;
    ubrk_close(breaker->iterator);
    free(breaker);
}

int32_t kk_wordbreaker_segment(kk_wordbreaker *breaker, const uint16_t *text, int32_t length,
                               int32_t *ends, int32_t *statuses, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(breaker->iterator, (const UChar *)text, length, &status);
    if (U_FAILURE(status)) {
        *error = (int32_t)status;
        return -1;
    }
    int32_t count = 0;
    ubrk_first(breaker->iterator);
    for (int32_t end = ubrk_next(breaker->iterator); end != UBRK_DONE && count < length;
         end = ubrk_next(breaker->iterator)) {
        ends[count] = end;
        statuses[count] = ubrk_getRuleStatus(breaker->iterator);
        count++;
    }
    // The iterator keeps pointing into the caller's buffer, which may be freed: it is never
    // read again before the next call sets new text (a second ubrk_setText to detach it
    // cost 1.5% of analysis).
    *error = 0;
    return count;
}

static const UNormalizer2 *nfkc_cf(int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *normalizer = unorm2_getNFKCCasefoldInstance(&status);
    if (U_FAILURE(status)) {
        *error = (int32_t)status;
        return NULL;
    }
    return normalizer;
}

int32_t kk_normalize_nfkc_cf_mapped(const uint16_t *text, int32_t length,
                                    uint16_t *out, int32_t *map_start, int32_t *map_end,
                                    int32_t capacity, int32_t *error) {
    *error = 0;
    const UNormalizer2 *normalizer = nfkc_cf(error);
    if (normalizer == NULL) return -1;
    const UChar *source = (const UChar *)text;
    int32_t position = 0, written = 0;
    int overflow = 0;
    while (position < length) {
        // A prefix that is already normalized is copied through, one source unit per unit
        // (a surrogate pair maps both its units to the whole pair).
        UErrorCode status = U_ZERO_ERROR;
        int32_t span = unorm2_spanQuickCheckYes(normalizer, source + position, length - position, &status);
        if (U_FAILURE(status)) {
            *error = (int32_t)status;
            return -1;
        }
        int32_t spanEnd = position + span;
        while (position < spanEnd) {
            int32_t start = position;
            UChar32 c;
            U16_NEXT(source, position, spanEnd, c);
            (void)c;
            for (int32_t unit = start; unit < position; unit++) {
                if (written < capacity) {
                    out[written] = source[unit];
                    map_start[written] = start;
                    map_end[written] = position;
                } else {
                    overflow = 1;
                }
                written++;
            }
        }
        if (position >= length) break;
        // The next segment runs from this boundary to the next one.
        int32_t end = position;
        UChar32 c;
        U16_NEXT(source, end, length, c);
        while (end < length) {
            int32_t next = end;
            U16_NEXT(source, next, length, c);
            if (unorm2_hasBoundaryBefore(normalizer, c)) break;
            end = next;
        }
        int32_t room = written < capacity ? capacity - written : 0;
        status = U_ZERO_ERROR;
        int32_t produced = unorm2_normalize(normalizer, source + position, end - position,
                                            (UChar *)(room > 0 ? out + written : NULL), room, &status);
        if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) {
            overflow = 1;
        } else if (U_FAILURE(status)) {
            *error = (int32_t)status;
            return -1;
        }
        for (int32_t i = 0; i < produced; i++) {
            if (written + i < capacity) {
                map_start[written + i] = position;
                map_end[written + i] = end;
            }
        }
        written += produced;
        position = end;
    }
    if (overflow || written > capacity) *error = KK_ICU_BUFFER_OVERFLOW;
    return written;
}

int32_t kk_normalize_nfkc_cf(const uint16_t *text, int32_t length,
                             uint16_t *out, int32_t capacity, int32_t *error) {
    *error = 0;
    const UNormalizer2 *normalizer = nfkc_cf(error);
    if (normalizer == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t produced = unorm2_normalize(normalizer, (const UChar *)text, length, (UChar *)out, capacity, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) {
        *error = KK_ICU_BUFFER_OVERFLOW;
    } else if (U_FAILURE(status)) {
        *error = (int32_t)status;
        return -1;
    }
    return produced;
}
