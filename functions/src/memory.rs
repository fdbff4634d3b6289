//! Resident memory: glibc's malloc gives each thread that allocates concurrently an arena of its
//! own (up to 8 per core), and a server whose tasks hop between tokio's workers and the blocking
//! pool fragments across all of them. Two arenas keep `bench chat` at 100 streams about 25 MB
//! lower (BENCHMARKS.md) at no measured latency cost. `MALLOC_ARENA_MAX` in the environment
//! still wins. Written with `mallopt` rather than a second allocator crate: one call at start.

/// Caps glibc's malloc arenas at two (no-op elsewhere, or when `MALLOC_ARENA_MAX` is set).
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator tunable; it is called before this process
        // starts any thread of its own and has no memory-safety preconditions.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
