#include "kensaku_sync.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KK_TSAN 1
#endif
#endif
#if !defined(KK_TSAN) && defined(__SANITIZE_THREAD__)
#define KK_TSAN 1
#endif

#ifdef KK_TSAN
// ThreadSanitizer's runtime (compiler-rt's tsan_interface.h).
void __tsan_acquire(void *address);
void __tsan_release(void *address);
#endif

void kk_tsan_acquire(const void *address) {
#ifdef KK_TSAN
    __tsan_acquire((void *)address);
#else
    (void)address;
#endif
}

void kk_tsan_release(const void *address) {
#ifdef KK_TSAN
    __tsan_release((void *)address);
#else
    (void)address;
#endif
}
