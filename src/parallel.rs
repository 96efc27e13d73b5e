//! Work on a long list spread over the cores, the results in the list's
//! order: the same as from one thread, only sooner.
//!
//! The list is cut into more parts than there are threads and each thread
//! takes the next part left: on a machine shared with other work (a build,
//! another user) a thread that is held up leaves its parts to the others,
//! where halves fixed in advance would wait for the slower one.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Parts per thread: enough to even out a thread held up, few enough that
/// joining them stays cheap.
const PARTS_PER_THREAD: usize = 4;

/// How many threads to use for a list of `len` items worth spreading from
/// `from` items on (1 below it or on one core).
pub fn threads_for(len: usize, from: usize) -> usize {
    if len < from {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(8)
}

/// `f` applied to consecutive parts of `items` on `threads` threads (the
/// calling thread is one of them), the results in the parts' order. One
/// thread (or fewer than two items): `f(items)`, one result.
pub fn map_parts<'a, T: Sync, R: Send>(items: &'a [T], threads: usize, f: impl Fn(&'a [T]) -> R + Sync) -> Vec<R> {
    if threads < 2 || items.len() < 2 {
        return vec![f(items)];
    }
    let parts: Vec<&'a [T]> = items.chunks(items.len().div_ceil(threads * PARTS_PER_THREAD)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = parts.get(i) else { return done };
            done.push((i, f(part)));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|sc| {
        let others: Vec<_> = (1..threads).map(|_| sc.spawn(work)).collect();
        let mut done = work();
        // A panic in a part is raised here, as it would have been on one thread.
        for h in others {
            done.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_in_order_and_cover_the_list() {
        let items: Vec<u32> = (0..10_007).collect();
        for threads in [1, 2, 3, 8] {
            let parts = map_parts(&items, threads, |p| p.to_vec());
            assert!(parts.len() >= threads.min(2) - 1, "{threads}");
            assert_eq!(parts.concat(), items, "{threads} threads");
        }
        assert_eq!(map_parts(&items[..1], 4, |p| p.len()), vec![1]);
        assert_eq!(map_parts::<u32, usize>(&[], 4, |p| p.len()), vec![0]);
    }
}
