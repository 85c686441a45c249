// kensaku_sync.h — ThreadSanitizer annotations for locks it cannot see.
//
// Swift's `Synchronization.Mutex` is built on atomics in the standard library, which is not
// compiled with ThreadSanitizer's instrumentation: under `swift test --sanitize=thread`, two
// threads taking turns under one `Mutex` look like a data race. A lock holder calls
// `kk_tsan_acquire` right after taking the lock and `kk_tsan_release` right before letting it
// go, on one address per lock, and ThreadSanitizer sees the happens-before edges. Without
// ThreadSanitizer both do nothing.
#ifndef KENSAKU_SYNC_H
#define KENSAKU_SYNC_H

#ifdef __cplusplus
extern "C" {
#endif

void kk_tsan_acquire(const void *address);
void kk_tsan_release(const void *address);

// A hint to the CPU inside a polling loop (x86 `pause`, ARM `yield`): the loop holds back, and
// a core shared with another thread loses less to it.
static inline void kk_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

#ifdef __cplusplus
}
#endif

#endif
