//! A counting global allocator (mimalloc underneath) shared by the benchmarks: live bytes, their peak and the
//! number of allocations, counted only while `COUNTING` is on (so timed runs pay nothing).

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as System;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};


/// mimalloc (what the native benchmarks allocate with; glibc's malloc spent over a quarter of the
/// control plane's time consolidating and unlinking chunks), counting live bytes, their peak and
/// the number of allocations while `COUNTING` is on (so that the timed run pays no atomics per
/// allocation).
pub struct Counting;

pub static COUNTING: AtomicBool = AtomicBool::new(false);
pub static LIVE: AtomicIsize = AtomicIsize::new(0);
pub static PEAK: AtomicIsize = AtomicIsize::new(0);
pub static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let now = LIVE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(now, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let delta = new_size as isize - layout.size() as isize;
            let now = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
            PEAK.fetch_max(now, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
}



/// Starts counting; returns the live bytes and allocation count to subtract later.
pub fn start_counting() -> (isize, usize) {
    COUNTING.store(true, Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    (base, ALLOCS.load(Ordering::Relaxed))
}

/// Stops counting; returns (retained bytes, peak bytes, allocations) since `start_counting`.
pub fn stop_counting(base: (isize, usize)) -> (isize, isize, usize) {
    COUNTING.store(false, Ordering::Relaxed);
    (LIVE.load(Ordering::Relaxed) - base.0, PEAK.load(Ordering::Relaxed) - base.0, ALLOCS.load(Ordering::Relaxed) - base.1)
}
