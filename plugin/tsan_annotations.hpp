// Happens-before annotations for ThreadSanitizer, for hand-offs it cannot see: GLib's GMutex
// (GST_OBJECT_LOCK) is a futex, not a pthread mutex. Nothing in other builds.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define FER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FER_TSAN 1
#endif
#endif

#ifdef FER_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#define FER_TSAN_ACQUIRE(addr) __tsan_acquire(static_cast<void*>(addr))
#define FER_TSAN_RELEASE(addr) __tsan_release(static_cast<void*>(addr))
#else
#define FER_TSAN_ACQUIRE(addr) ((void)0)
#define FER_TSAN_RELEASE(addr) ((void)0)
#endif
