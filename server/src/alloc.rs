//! Gives memory freed in bulk back to the OS at once.
//!
//! The stock binary's allocator, mimalloc, returns freed pages to the OS
//! `MIMALLOC_PURGE_DELAY` ms after they are freed, but only when some thread
//! allocates again. A search index build frees tens of MiB in one go (at a
//! million rows the process stayed at 116 MiB instead of ~92 until load
//! arrived), so the rebuild asks for it explicitly when it is done.

/// Returns every page mimalloc holds free (pending purges included) to the
/// OS. With another global allocator mimalloc's heaps are empty and this
/// does nothing.
pub fn release_freed() {
    // SAFETY: mi_collect takes no pointers; it walks mimalloc's own heaps
    // and arenas under its own locks and may be called from any thread.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
