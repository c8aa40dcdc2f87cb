//! The stock `latchkey` binary: the CLI and server with the built-in
//! behaviour only. A private build writes its own `main` calling
//! `latchkey::run` with its plugins (docs/plugins.md).

/// mimalloc rather than glibc's malloc: a rendered page makes thousands of
/// small allocations (a quarter of its CPU went to malloc/free), and glibc
/// keeps freed page buffers in per-thread arenas, so the process grew by
/// tens of MiB under load. A private build picks its own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc reads its options from the environment before `main` runs.
/// Arena memory it commits up front stays resident after it is freed, and
/// building the search index frees tens of MiB at a time: at a million
/// cached rows the server held 110 MiB with it, 92 MiB without. Freed pages
/// go back to the OS 20 ms after they are freed: at once (0), every page's
/// buffers were given back and faulted in again on each request (madvise,
/// page faults and TLB shootdowns: ~15% of the roles home's CPU; 4,200 ->
/// 4,600 pages a second at 10 clients, and 2,600 -> 3,500 for the 1M-row
/// search mix at 50), while resident memory after the 1M-row load stays
/// 99 MiB. What an index build frees goes back at once (`alloc.rs`).
const ALLOCATOR_ENV: [(&str, &str); 2] = [
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MIMALLOC_PURGE_DELAY", "20"),
];

fn main() -> std::process::ExitCode {
    // Unless the operator chose every value, start again (same process id,
    // same arguments) with the options set; all are set the second time, so
    // this happens once. If it fails, run as we are.
    if ALLOCATOR_ENV
        .iter()
        .any(|(key, _)| std::env::var_os(key).is_none())
    {
        if let Ok(exe) = std::env::current_exe() {
            use std::os::unix::process::CommandExt;
            let mut args = std::env::args_os();
            let mut again = std::process::Command::new(exe);
            if let Some(arg0) = args.next() {
                again.arg0(arg0);
            }
            for (key, value) in ALLOCATOR_ENV {
                // An operator's own choice of either option wins.
                if std::env::var_os(key).is_none() {
                    again.env(key, value);
                }
            }
            let err = again.args(args).exec();
            eprintln!("note: could not restart with the allocator's options: {err}");
        }
    }
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(latchkey::run(latchkey::plugins::Plugins::default())),
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
