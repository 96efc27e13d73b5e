// mimalloc: loading a large book is allocation-bound (many small strings and
// vectors); glibc malloc spent a quarter of start-up in malloc/free.
// Built without transparent huge pages (feature `no_thp`): where THP is
// "madvise" (the usual default), mimalloc's MADV_HUGEPAGE made page faults
// stall on compaction, and a 0.5 s command took 0.5 to 1.2 s by the state of
// the machine's memory; with 4 KB pages the time is the same run to run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dun::cli::main()
}
