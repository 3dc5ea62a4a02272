//! The allocator of the wasm builds (the web app and the wasm benchmarks): talc, fed by a
//! source that grows linear memory geometrically — by a quarter of its size, at least 1 MiB —
//! instead of by the few pages one allocation needs. Building a large cluster then grows
//! memory a few dozen times rather than thousands, and each `memory.grow` costs the engine a
//! new buffer and, often, a garbage collection.

use core::alloc::Layout;
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::NonNull;

use talc::base::binning::Binning;
use talc::base::Talc;
use talc::cell::TalcSyncCell;
use talc::source::Source;
use talc::wasm::WasmBinning;

/// 64 KiB.
const PAGE: usize = 1 << 16;
/// The smallest growth: 1 MiB.
const MIN_GROW_PAGES: usize = 16;

/// A talc source that extends one heap at the end of linear memory, growing it geometrically.
#[derive(Debug, Default)]
pub struct GrowGeometric {
    end: Option<NonNull<u8>>,
}

// SAFETY: acquiring memory uses no Rust allocator; the memory grown belongs to the allocator only.
unsafe impl Source for GrowGeometric {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Enough for the allocation with its chunk overhead and alignment, and a heap header.
        let needed = (layout.size() + layout.align() + 4 * talc::base::CHUNK_UNIT + 256).div_ceil(PAGE);
        let wanted = needed.max(memory_size::<0>() / 4).max(MIN_GROW_PAGES);
        let (prev, pages) = match memory_grow::<0>(wanted) {
            usize::MAX => match memory_grow::<0>(needed) {
                usize::MAX => return Err(()),
                prev => (prev, needed),
            },
            prev => (prev, wanted),
        };
        let base = (prev * PAGE) as *mut u8;
        let bytes = pages * PAGE;
        let new_end = base.wrapping_add(bytes);
        if let Some(old_end) = talc.source.end.take() {
            if old_end.as_ptr() == base {
                // SAFETY: the memory from the old end to the new one was just grown for us.
                talc.source.end = Some(unsafe { talc.extend(old_end, new_end) });
                return Ok(());
            }
        }
        // SAFETY: fresh memory, handed over whole.
        talc.source.end = unsafe { talc.claim(base, bytes) };
        Ok(())
    }
}

/// The global allocator type of the wasm builds.
pub type WasmHeap = TalcSyncCell<GrowGeometric, WasmBinning>;

/// `#[global_allocator] static A: WasmHeap = fishbowl_core::wasm_heap::allocator();`
pub const fn allocator() -> WasmHeap {
    TalcSyncCell::new_wasm(GrowGeometric { end: None })
}
