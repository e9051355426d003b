internal import CMalloc
import Foundation
import Glibc

/// Keeps the responder's resident memory bounded under long mixed load.
///
/// glibc gives each thread that allocates concurrently an arena of its own, up to 8 × cores, and
/// keeps freed memory in them; with 16–64 worker threads the resident size climbed with every
/// arena touched and did not come back when the load stopped. Depot's hot paths allocate little,
/// so a few arenas cost nothing measurable, and a periodic trim hands freed pages back.
package enum Memory {
    /// Caps glibc's arenas. Call before starting threads.
    package static func limitArenas(_ count: Int32) {
        _ = depot_malloc_arena_max(count)
        // Blocks of 128 KiB and more (sniffing prefixes, read buffers) always get their own mapping,
        // returned to the system when freed, instead of fragmenting the heap.
        _ = depot_malloc_mmap_threshold(128 << 10)
    }

    /// Starts a thread that returns freed heap pages to the system every `seconds`.
    package static func startTrimming(every seconds: Double) throws(SystemError) {
        _ = try JoinableThread(stackSize: 128 << 10) {
            while true {
                usleep(UInt32(seconds * 1_000_000))
                _ = malloc_trim(0)
            }
        }
    }

    /// The process's resident set in bytes (from /proc/self/statm).
    package static func residentBytes() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int64(fields[1]) else { return 0 }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
