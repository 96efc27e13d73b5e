// mimalloc: loading a large book is allocation-bound (many small strings and
// vectors); glibc malloc spent a quarter of start-up in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dun::cli::main()
}
